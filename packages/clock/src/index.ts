export type { Cancel, Clock } from './clock.js';
export { sleepOn, systemClock } from './system-clock.js';
export { deadlineSignal, withDeadline, type DeadlineSignal, type DeadlineSignalOptions } from './deadline-signal.js';
export { every } from './every.js';
export { raced } from './raced.js';
export { settledWithin } from './settled-within.js';
