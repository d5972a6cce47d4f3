import type { Command } from 'commander';
import type { RoleBindingView, UserView } from '@mcpctl/protocol';
import type { CliContext } from '../../context.js';
import type { ApiClient } from '../../api-client.js';
import { timeWithAge } from '../../format/relative-age.js';
import { callerStatus, holdsUnlimited } from '../caller-grants.js';
import { listRoleBindings } from '../rolebinding/role-binding-api.js';
import { getUser } from './user-api.js';

/** `mcpctl describe user NAME`: the user, then the role bindings that grant it anything (its own and its groups'). */
export function registerDescribeUser(describe: Command, context: CliContext): void {
  describe
    .command('user')
    .alias('users')
    .description('show a user: role, groups and the role bindings that apply to it')
    .argument('<name>', 'user name')
    .action(async (name: string) => {
      const client = await context.api();
      const user = await getUser(client, name);
      const bindings = (await seesBindingsOf(client, user)) ? await listRoleBindings(client) : undefined;
      context.printer.fields(describeUserFields(user, bindings, new Date(context.now())));
    });
}

/**
 * Everyone reads the bindings naming them or their groups; another user's only with `view:rbac`.
 * Without it mcpd lists the caller's own, and another user's would read as `none`.
 */
async function seesBindingsOf(client: ApiClient, user: UserView): Promise<boolean> {
  const caller = await callerStatus(client);
  return caller.name === user.name || holdsUnlimited(caller, 'view:rbac');
}

/** The `describe` lines of a user; `bindings` undefined when the caller may not read them. */
export function describeUserFields(user: UserView, bindings: readonly RoleBindingView[] | undefined, now: Date): Array<readonly [string, string]> {
  const applying = bindings?.filter(
    (binding) => (binding.subjectKind === 'user' && binding.subjectName === user.name) || (binding.subjectKind === 'group' && user.groups.includes(binding.subjectName)),
  );
  return [
    ['Name', user.name],
    ['ID', user.id],
    ['Role', user.role ?? 'none'],
    ['Groups', user.groups.length === 0 ? 'none' : user.groups.join(', ')],
    ['Created', timeWithAge(user.createdAt, now)],
    ['Updated', timeWithAge(user.updatedAt, now)],
    ['Role bindings', applying === undefined ? 'not visible to you' : applying.length === 0 ? 'none' : String(applying.length)],
    ...(applying ?? []).map((binding) => [`  ${binding.name}`, bindingText(binding)] as const),
  ];
}

/** What a binding grants, and to whom: `role viewer · group ml · on qwen3, gpt`. */
function bindingText(binding: RoleBindingView): string {
  const grants = [binding.role === null ? undefined : `role ${binding.role}`, binding.permissions.length === 0 ? undefined : binding.permissions.join(' ')].filter(Boolean).join(' + ');
  const on = binding.resourceNames === null ? 'on everything' : `on ${binding.resourceNames.join(', ')}`;
  return `${grants || 'nothing'} · ${binding.subjectKind} ${binding.subjectName} · ${on}`;
}
