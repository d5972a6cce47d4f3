import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { listLlms } from '../llm/llm-api.js';
import { getPool } from './pool-api.js';

/** `mcpctl describe pool NAME`: counts, then one line per member with its status, and its cooldown when it failed a moment ago. */
export function registerDescribePool(describe: Command, context: CliContext): void {
  describe
    .command('pool')
    .alias('pools')
    .description('show a pool: its members, their status, what is in flight and queued')
    .argument('<name>', 'pool name')
    .action(async (name: string) => {
      const client = await context.api();
      const pool = await getPool(client, name);
      const members = (await listLlms(client)).filter((llm) => llm.poolName === pool.name);
      const coolingDown = new Map(pool.coolingDown.map((member) => [member.name, member.msLeft]));
      context.printer.fields([
        ['Name', pool.name],
        ['Members', String(pool.members.length)],
        ['Active', String(pool.active)],
        ['Hibernating', String(pool.hibernating)],
        ['Inactive', String(pool.inactive)],
        ['In flight', String(pool.inFlight)],
        ['Queued', String(pool.queued)],
        ['Oldest wait', pool.queued > 0 ? `${(pool.oldestWaitMs / 1000).toFixed(1)} s` : '-'],
        ...members.map(
          (member) =>
            [
              `  ${member.name}`,
              `${member.status} · ${member.kind} · ${member.model} · max ${member.maxConcurrent ?? 'unlimited'} · owner ${member.owner ?? '-'}${cooldownNote(coolingDown.get(member.name))}`,
            ] as const,
        ),
      ]);
    });
}

/** A member that failed a moment ago is asked after the others until its cooldown ends. */
function cooldownNote(msLeft: number | undefined): string {
  return msLeft === undefined ? '' : ` · failed a moment ago: asked after the others for ${Math.ceil(msLeft / 1000)} s more`;
}
