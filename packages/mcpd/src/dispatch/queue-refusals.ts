import { tooManyRequests, type HttpError } from '../errors.js';

/** How long a caller refused by a full queue is told to wait before trying again. */
const RETRY_AFTER_SECONDS = 5;

/** The queue for `name` holds as many requests as it may. */
export function queueFull(name: string, waiting: number): HttpError {
  return tooManyRequests(`the queue for ${name} is full (${waiting} waiting); try again shortly`, RETRY_AFTER_SECONDS);
}

/** The caller holds as many of the queue's places as one user may: one user may not fill a shared model's queue and lock everyone else out. */
export function userQueueFull(name: string, mine: number): HttpError {
  return tooManyRequests(`you already have ${mine} ${mine === 1 ? 'request' : 'requests'} waiting for ${name}, the most one user may queue for it; try again shortly`, RETRY_AFTER_SECONDS);
}
