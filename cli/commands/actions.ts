// `nhi actions [--json]`, `nhi actions register FILE --as WHO`, `nhi actions remove NAME --as WHO`: the remediation
// actions a policy may name. Built-ins run on the enforcer's own worker; team actions are registered with the
// action registry (an entity workflow per deployment) and run on the team's task queue. Each is listed with whether
// a worker polls its queue right now (DescribeTaskQueue pollers).
import { readFileSync } from 'node:fs';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { parse } from 'yaml';
import {
  activityPollers,
  type QueuePollers,
  registerAction,
  registeredActions,
  removeAction,
} from '../../activities/action-registry.ts';
import { builtInActions } from '../../activities/actions/registry.ts';
import { parseRegisteredAction, type RegisteredAction } from '../../schemas/action-contract.ts';
import { ACTION_SUPPORT } from '../../schemas/action-support.ts';
import type { RefusedMessage } from '../../schemas/refused-message.ts';
import { TASK_QUEUE } from '../../workflows/identity/definitions.ts';
import { refusedRegistrationsQuery, registryWorkflowId } from '../../workflows/registry/definitions.ts';
import { type Command, CommandError, parseCommandArgs, UsageError } from '../command.ts';
import { connectTemporal } from '../identity-source.ts';
import { loadSigner, personArg } from '../keys.ts';

const usage = `usage: nhi actions [--json]
       nhi actions register FILE --as WHO [--key FILE] [--json]
       nhi actions remove NAME --as WHO [--key FILE] [--json]

The remediation actions a policy rule may name:
  (list)    built-in actions (run by the enforcer's worker) and team actions registered with the action registry,
            with the identity types each acts on, its parameter schema, whether it can be rolled back, its team,
            its task queue and whether a worker polled that queue within the last 2 minutes
  register  registers (or replaces) a team action from FILE (YAML or JSON: name team/verb, description,
            identityTypes, parameters (JSON Schema), reversible, risk, team, taskQueue, timeouts, retry; a team's
            worker built with nhi-enforce/actions registers itself at start-up instead)
  remove    removes a registered team action (policies naming it are then refused when they fire)

  --as WHO        who registers or removes: signed with WHO's key over the whole registration (queue, risk,
                  schema); WHO must be in the team's own group (the name before the /) or in the policy's
                  registrants (decisions.registrants, default security). A built-in action's name is never taken
  --key FILE      your key file (default: $NHI_KEYS_DIR/WHO.key, from nhi keys new)
  --task-queue Q  the deployment's task queue, whose registry this is (default NHI_TASK_QUEUE, else ${TASK_QUEUE})
  --json          one JSON object: { taskQueue, actions: [...] }, or the registered/removed action

Needs Temporal (NHI_TEMPORAL_ADDRESS); register and remove need the enforcer's worker (nhi run). Exit status: 0;
2 on bad arguments; 1 with one line when the file is not a valid registration or Temporal cannot be reached.

examples:
  nhi actions
  nhi actions register my-team-action.yaml --as alice@example.com
next: name the action in a policy rule (action: team/verb) and check it with nhi policy check FILE`;

export interface ListedAction {
  name: string;
  kind: 'built-in' | 'team';
  description: string;
  identityTypes: string[];
  parameters?: Record<string, unknown>;
  reversible: boolean;
  risk?: string;
  team?: string;
  taskQueue: string;
  worker: QueuePollers;
  registeredAt?: string;
  registeredBy?: string;
}

const firstLine = (error: unknown) =>
  String((error as Error)?.message ?? error)
    .split('\n')[0]!
    .replace(/^.*Update validation failed:? ?/i, '')
    .replace(/^\d+ [A-Z_]+: /, '');

function readRegistration(file: string): RegisteredAction {
  let value: unknown;
  try {
    value = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CommandError(`${file}: cannot read: ${firstLine(error)}`);
  }
  const parsed = parseRegisteredAction(value);
  if (!parsed.ok) throw new CommandError(`${file}: ${parsed.error}`);
  return parsed.action;
}

function parseActionsArgs(argv: string[]) {
  const { values, positionals } = parseCommandArgs(argv, {
    json: { type: 'boolean' },
    as: { type: 'string' },
    key: { type: 'string' },
    'task-queue': { type: 'string' },
  });
  const [verb, arg, ...rest] = positionals;
  if (verb && !['register', 'remove'].includes(verb))
    throw new UsageError(`unknown actions command '${verb}' (register FILE or remove NAME)`);
  if (verb && !arg) throw new UsageError(verb === 'register' ? 'no FILE given' : 'no action NAME given');
  if (rest.length) throw new UsageError(`unexpected argument '${rest[0]}'`);
  if (verb && !values.as?.trim()) throw new UsageError(`${verb} needs --as WHO`);
  return { values, verb, arg };
}

export const actionsCommand: Command = {
  name: 'actions',
  summary: 'remediation actions: built-in and team-registered, with live workers; register, remove',
  usage,
  parse: parseActionsArgs,
  async run(argv, io) {
    const { values, verb, arg } = parseActionsArgs(argv);
    const taskQueue = values['task-queue'] || process.env.NHI_TASK_QUEUE || TASK_QUEUE;
    const registration = verb === 'register' ? readRegistration(arg!) : undefined;
    const signer = verb ? loadSigner(personArg(values.as), values.key) : undefined;

    const source = await connectTemporal();
    const { client } = source;
    const within = <T>(ms: number, fn: () => Promise<T>) =>
      client.connection.withDeadline(Date.now() + ms, fn);
    try {
      if (verb) {
        let changed: RegisteredAction;
        try {
          changed = await within(30_000, () =>
            registration
              ? registerAction(client, taskQueue, registration, signer!)
              : removeAction(client, taskQueue, arg!, signer!),
          );
        } catch (error) {
          if (error instanceof WorkflowUpdateFailedError)
            throw new CommandError(firstLine(error.cause ?? error));
          throw error;
        }
        if (values.json)
          io.out(JSON.stringify({ taskQueue, [registration ? 'registered' : 'removed']: changed }));
        else
          io.out(
            registration
              ? `registered ${changed.name} (team ${changed.team}, task queue ${changed.taskQueue})`
              : `removed ${changed.name}`,
          );
        return 0;
      }
      const team = await within(15_000, () => registeredActions(client, taskQueue));
      const pollers = new Map<string, QueuePollers>();
      const pollersOf = async (queue: string) => {
        if (!pollers.has(queue))
          pollers.set(queue, await within(15_000, () => activityPollers(client, queue)));
        return pollers.get(queue)!;
      };
      const listed: ListedAction[] = [];
      for (const a of builtInActions)
        listed.push({
          name: a.name,
          kind: 'built-in',
          description: a.description,
          identityTypes: [...(ACTION_SUPPORT[a.name]?.identityTypes ?? a.appliesTo)],
          reversible: a.rollback !== undefined,
          taskQueue,
          worker: await pollersOf(taskQueue),
        });
      for (const a of team)
        listed.push({
          name: a.name,
          kind: 'team',
          description: a.description,
          identityTypes: a.identityTypes,
          parameters: a.parameters,
          reversible: a.reversible,
          risk: a.risk,
          team: a.team,
          taskQueue: a.taskQueue,
          worker: await pollersOf(a.taskQueue),
          ...(a.registeredAt ? { registeredAt: a.registeredAt } : {}),
          ...(a.registeredBy ? { registeredBy: a.registeredBy } : {}),
        });
      const refused = await within(15_000, () =>
        client.workflow.getHandle(registryWorkflowId(taskQueue)).query(refusedRegistrationsQuery),
      ).catch((): RefusedMessage[] => []);
      if (values.json)
        io.out(JSON.stringify({ taskQueue, actions: listed, ...(refused.length ? { refused } : {}) }));
      else {
        for (const line of describe(listed)) io.out(line);
        for (const r of refused.slice(-5))
          io.out(`refused ${r.message} at ${r.at} (claimed by ${r.claimedBy ?? '?'}): ${r.reason}`);
      }
      return 0;
    } catch (error) {
      if (error instanceof CommandError || error instanceof UsageError) throw error;
      throw new CommandError(`actions${verb ? ` ${verb}` : ''} failed: ${firstLine(error)}`);
    } finally {
      await source.close();
    }
  },
};

function describe(actions: ListedAction[]): string[] {
  return actions.flatMap((a) => {
    const worker = a.worker.live ? 'worker live' : 'NO live worker';
    const head = `${a.name}  [${a.kind}${a.team ? `, team ${a.team}` : ''}]  queue ${a.taskQueue} (${worker})`;
    const lines = [
      head,
      `  ${a.description}`,
      `  acts on: ${a.identityTypes.join(', ')}; ${a.reversible ? 'reversible' : 'not reversible'}${a.risk ? `; risk ${a.risk}` : ''}`,
    ];
    if (a.parameters) lines.push(`  params: ${paramsLine(a.parameters)}`);
    return lines;
  });
}

/** `secretId: string (required), role: string, passwordLength: integer`: the JSON Schema's top-level properties. */
function paramsLine(schema: Record<string, unknown>): string {
  const props = (schema.properties ?? {}) as Record<string, { type?: unknown }>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const parts = Object.entries(props).map(
    ([k, v]) => `${k}: ${String(v.type ?? 'any')}${required.has(k) ? ' (required)' : ''}`,
  );
  return parts.length ? parts.join(', ') : 'none';
}
