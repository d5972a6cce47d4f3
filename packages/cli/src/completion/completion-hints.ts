import type { Argument, Command, Option } from 'commander';

/*
 * What commander's tree cannot say by itself: which arguments and options take the name of
 * an existing resource. The completion scripts read these marks and ask mcpd for the names
 * through `mcpctl __complete KIND PREFIX`.
 */

const nameKinds = new WeakMap<Argument | Option, readonly string[]>();
const resourceVerbs = new WeakSet<Command>();

/** Marks `target` as taking the name of an existing resource of one of `kinds` (`llm`, `pool`, …). */
export function completeNames<T extends Argument | Option>(target: T, ...kinds: string[]): T {
  nameKinds.set(target, kinds);
  return target;
}

/**
 * Marks a verb (`get`, `describe`, `delete`) whose subcommands are resource kinds taking
 * the name of an existing resource of that kind first: `get agent NAME`. `create` is not
 * one: it takes a new name.
 */
export function completeResourceNames(verb: Command): Command {
  resourceVerbs.add(verb);
  return verb;
}

/** The resource kinds whose names complete `target`; empty when none do. */
export function namesCompletedBy(target: Argument | Option): readonly string[] {
  return nameKinds.get(target) ?? [];
}

export function isResourceVerb(command: Command): boolean {
  return resourceVerbs.has(command);
}
