// `nhi policy check FILE [--strict] [--json]`: a policy file's syntax, schema and meaning errors, one line each,
// before a worker reads it (the worker refuses to start on the same errors), and warnings about what the worker
// starts with but can never do (an approval group nobody belongs to).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { registeredActions } from '../../activities/action-registry.ts';
import { directoryProblems } from '../../activities/directory-source.ts';
import { checkPolicyFile, defaultMeaningContext } from '../../activities/policy-source.ts';
import { isTeamActionName, type RegisteredAction } from '../../schemas/action-contract.ts';
import { TASK_QUEUE } from '../../workflows/identity/definitions.ts';
import { type Command, CommandError, parseCommandArgs, UsageError } from '../command.ts';
import { connectTemporal } from '../identity-source.ts';

const usage = `usage: nhi policy check FILE [--strict] [--json]

Checks an enforcement policy (YAML or JSON) the way the worker reads it, and prints every problem on its own line:
syntax (with line and column), schema (the field path, e.g. rules[1](scope-down).approval), and meaning:
  - a rule naming an action this worker does not have
  - a rule sending an action identity types it cannot act on (or every type, when when.identityTypes is missing)
  - an account under accounts: whose roleArn names a role in another account
  - an ownership.file that cannot be read or is not a map of identity ARN → owner
  - a team action (team/verb) that is not registered, its params that do not fit the action's parameter schema,
    or identity types it does not act on: asks the action registry in Temporal (NHI_TEMPORAL_ADDRESS), and says
    so on one line when Temporal cannot be reached
A valid policy prints one line with its rule count and SHA-256 (the hash each decision records).
Warnings (on stderr; the worker starts with them): each approval, escalation, exception-approver or requester
group nobody in the people directory belongs to, once per group, with the command that adds you to it.

  --strict        warnings are errors (exit 1)
  --json          one JSON object: { file, ok, errors, warnings, rules?, hash? }
  --task-queue Q  the deployment whose registry to ask (default NHI_TASK_QUEUE, else ${TASK_QUEUE})

Exit status: 0 when valid (warnings or not, unless --strict), 1 when the policy has errors, 2 on bad arguments.

examples:
  nhi policy check policies/default.yaml
  nhi policy check policies/default.yaml --strict --json
next: fix each line it prints, then nhi run worker reads the file (NHI_POLICY_FILE)`;

function parsePolicyArgs(argv: string[]) {
  const { values, positionals } = parseCommandArgs(argv, {
    json: { type: 'boolean' },
    strict: { type: 'boolean' },
    'task-queue': { type: 'string' },
  });
  const [sub, file, ...rest] = positionals;
  if (sub !== 'check')
    throw new UsageError(sub ? `unknown subcommand '${sub}' (check)` : 'nhi policy check FILE');
  if (!file) throw new UsageError('no policy FILE given');
  if (rest.length) throw new UsageError(`one FILE at a time (got ${rest.length + 1})`);
  return { values, file };
}

export const policyCommand: Command = {
  name: 'policy',
  summary: 'check a policy file: syntax and meaning errors, one line each',
  usage,
  parse: parsePolicyArgs,
  async run(argv, io) {
    const { values, file } = parsePolicyArgs(argv);
    const registry = await teamActionsFor(file, values['task-queue']);
    const read =
      'unreachable' in registry
        ? ({ ok: false, errors: [registry.unreachable] } as const)
        : checkPolicyFile(file, {
            ...defaultMeaningContext(),
            ...(registry.actions ? { teamActions: registry.actions } : {}),
          });
    // Beyond what the worker checks at start: the people directory, and groups nobody in it belongs to.
    const people = read.ok ? directoryProblems(read.policy.policy, file) : { errors: [], warnings: [] };
    const strict = values.strict === true;
    const errors = [...people.errors, ...(strict ? people.warnings : [])];
    const warnings = strict ? [] : people.warnings;
    const checked: typeof read = errors.length ? { ok: false, errors } : read;
    if (values.json) {
      io.out(
        JSON.stringify(
          checked.ok
            ? {
                file,
                ok: true,
                errors: [],
                warnings,
                rules: checked.policy.policy.rules.length,
                hash: checked.policy.hash,
              }
            : { file, ok: false, errors: checked.errors, warnings },
        ),
      );
      return checked.ok ? 0 : 1;
    }
    for (const line of warnings) io.err(`warning: ${line}`);
    if (checked.ok) {
      const noted = warnings.length
        ? `; ${warnings.length} warning${warnings.length > 1 ? 's' : ''} (--strict makes them errors)`
        : '';
      io.out(`${file}: ok (${checked.policy.policy.rules.length} rules, ${checked.policy.hash})${noted}`);
    } else {
      for (const line of checked.errors) io.out(line);
    }
    return checked.ok ? 0 : 1;
  },
};

/** Team action names the file's rules use (read loosely: the real check reports what is malformed). */
function teamActionsNamed(file: string): string[] {
  try {
    const rules = (parse(readFileSync(file, 'utf8')) as { rules?: Array<{ action?: unknown }> })?.rules;
    return Array.isArray(rules)
      ? rules.map((r) => r?.action).filter((a): a is string => typeof a === 'string' && isTeamActionName(a))
      : [];
  } catch {
    return [];
  }
}

/** The registered team actions, when the policy names any; one line when the registry cannot be asked. */
async function teamActionsFor(
  file: string,
  queue: string | undefined,
): Promise<{ actions?: RegisteredAction[] } | { unreachable: string }> {
  const named = teamActionsNamed(file);
  if (!named.length) return {};
  const taskQueue = queue || process.env.NHI_TASK_QUEUE || TASK_QUEUE;
  const why = (error: unknown) =>
    `${file}: cannot check team action${named.length > 1 ? 's' : ''} ${named.join(', ')}: the action registry is not reachable (${String((error as Error).message).split('\n')[0]})`;
  let source: Awaited<ReturnType<typeof connectTemporal>>;
  try {
    source = await connectTemporal();
  } catch (error) {
    return { unreachable: why(error instanceof CommandError ? error : new Error(String(error))) };
  }
  try {
    return {
      actions: await source.client.connection.withDeadline(Date.now() + 15_000, () =>
        registeredActions(source.client, taskQueue),
      ),
    };
  } catch (error) {
    return { unreachable: why(error) };
  } finally {
    await source.close();
  }
}
