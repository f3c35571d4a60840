// `nhi enforcement pause|resume|status [--json]`: the kill switch. A pause is acknowledged once the control
// workflow has recorded it and no act granted before it is still running: from then on nothing acts, and
// remediations that reach their act wait (kept, not dropped) until `resume`.
import {
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import {
  brakeTerms,
  CONTROL_RUN,
  CONTROL_WORKFLOW_TYPE,
  type ControlInput,
  type ControlStatus,
  controlStatusQuery,
  controlWorkflowId,
  pauseUpdate,
  resumeUpdate,
} from '../../workflows/control/definitions.ts';
import { TASK_QUEUE } from '../../workflows/identity/definitions.ts';
import { type Command, CommandError, parseCommandArgs, UsageError } from '../command.ts';
import { signedAct } from '../decisions.ts';
import { connectTemporal } from '../identity-source.ts';
import { loadSigner, personArg } from '../keys.ts';

const usage = `usage: nhi enforcement pause --as WHO --reason R [--key FILE] [--json]
       nhi enforcement resume --as WHO --reason R [--key FILE] [--json]
       nhi enforcement status [--json]

The brakes on automatic enforcement, kept by the control workflow (one per task queue, in Temporal):
  pause    kill switch: waits until the pause is acknowledged (no act granted before it still running), then
           nothing acts; remediations that reach their act are held, not dropped
  resume   lifts the pause, closes an open circuit breaker, and lets held remediations go on
  status   paused or not, circuit breaker, acts in the last hour per account, held and in-flight remediations

  --as WHO        who pauses or resumes: signed with WHO's key; WHO must be in the brakes' group (policy
                  decisions.brakes, default security). A resume is signed over the exact pause and breaker it lifts
  --reason R      why (signed and recorded)
  --key FILE      your key file (default: $NHI_KEYS_DIR/WHO.key, from nhi keys new)
  --task-queue Q  the deployment's task queue (default NHI_TASK_QUEUE, else ${TASK_QUEUE})
  --json          the control's status as one JSON object

Needs Temporal (NHI_TEMPORAL_ADDRESS) and a worker (nhi run). Exit status: 0; 2 on bad arguments; 1 with one
line when Temporal or a worker cannot be reached.

examples:
  nhi enforcement status
  nhi enforcement pause --as alice@example.com --reason "incident 42: stop all automatic actions"
next: nhi enforcement status shows the pause acknowledged; nhi enforcement resume lifts it`;

const ACK_TIMEOUT_MS = 11 * 60_000;

function parseEnforcementArgs(argv: string[]) {
  const { values, positionals } = parseCommandArgs(argv, {
    json: { type: 'boolean' },
    as: { type: 'string' },
    reason: { type: 'string' },
    key: { type: 'string' },
    'task-queue': { type: 'string' },
  });
  const [verb, ...rest] = positionals;
  if (!verb) throw new UsageError('say pause, resume or status');
  if (!['pause', 'resume', 'status'].includes(verb))
    throw new UsageError(`unknown enforcement command '${verb}' (pause, resume or status)`);
  if (rest.length) throw new UsageError(`unexpected argument '${rest[0]}'`);
  if (verb !== 'status' && (!values.as?.trim() || !values.reason?.trim()))
    throw new UsageError(`${verb} needs --as WHO and --reason R`);
  return { values, verb };
}

export const enforcementCommand: Command = {
  name: 'enforcement',
  summary: 'kill switch and brakes: pause, resume, status',
  usage,
  parse: parseEnforcementArgs,
  async run(argv, io) {
    const { values, verb } = parseEnforcementArgs(argv);
    const signer = verb === 'status' ? undefined : loadSigner(personArg(values.as), values.key);
    const taskQueue = values['task-queue'] || process.env.NHI_TASK_QUEUE || TASK_QUEUE;
    const workflowId = controlWorkflowId(taskQueue);

    const source = await connectTemporal();
    try {
      let status: ControlStatus;
      const current = async (): Promise<ControlStatus> => {
        try {
          return await source.client.connection.withDeadline(Date.now() + 10_000, () =>
            source.client.workflow.getHandle(workflowId).query(controlStatusQuery),
          );
        } catch (error) {
          if (
            !(error instanceof WorkflowNotFoundError) &&
            !/not found/i.test(String((error as Error).message))
          )
            throw error;
          // Never paused and nothing acted yet: the control starts with the first reservation or pause.
          return {
            acknowledged: false,
            inflight: [],
            recentFailures: 0,
            actsLastHour: { total: 0, byAccount: {} },
            held: 0,
          };
        }
      };
      if (verb === 'status') status = await current();
      else {
        const act = verb as 'pause' | 'resume';
        // A resume is signed over what it lifts: the pause and breaker in force now.
        const termsHash = brakeTerms(act, act === 'resume' ? await current() : {});
        const signed = signedAct(
          signer!,
          { workflowId, runId: CONTROL_RUN, termsHash },
          act,
          values.reason!.trim(),
        );
        const startWorkflowOperation = new WithStartWorkflowOperation<(input: ControlInput) => Promise<void>>(
          CONTROL_WORKFLOW_TYPE,
          { workflowId, taskQueue, workflowIdConflictPolicy: 'USE_EXISTING', args: [{}] },
        );
        status = await source.client.connection.withDeadline(Date.now() + ACK_TIMEOUT_MS, () =>
          source.client.workflow.executeUpdateWithStart(act === 'pause' ? pauseUpdate : resumeUpdate, {
            args: [signed],
            startWorkflowOperation,
          }),
        );
      }
      if (values.json) io.out(JSON.stringify({ taskQueue, ...status }));
      else for (const line of describe(status)) io.out(line);
      return 0;
    } catch (error) {
      if (error instanceof CommandError || error instanceof UsageError) throw error;
      if (error instanceof WorkflowUpdateFailedError)
        throw new CommandError(
          `enforcement ${verb}: ${String((error.cause as Error | undefined)?.message ?? error.message).split('\n')[0]}`,
        );
      throw new CommandError(
        `enforcement ${verb} failed: ${String((error as Error).message).split('\n')[0]}`,
      );
    } finally {
      await source.close();
    }
  },
};

function describe(s: ControlStatus): string[] {
  const lines: string[] = [];
  if (s.paused) {
    lines.push(`paused by ${s.paused.by} at ${s.paused.at}: ${s.paused.reason}`);
    lines.push(
      s.acknowledged
        ? 'acknowledged: nothing acts until resume'
        : `not yet acknowledged: ${s.inflight.length} act(s) granted before the pause still running`,
    );
  } else lines.push('enforcement active (not paused)');
  if (s.breaker)
    lines.push(
      `circuit breaker OPEN since ${s.breaker.openedAt}: ${s.breaker.reason}; automatic actions need approval${s.breaker.closesAt ? ` (closes by itself at ${s.breaker.closesAt})` : ''}`,
    );
  else lines.push(`circuit breaker closed (${s.recentFailures} recent failure(s))`);
  const per = Object.entries(s.actsLastHour.byAccount)
    .map(([account, n]) => `${account}: ${n}`)
    .join(', ');
  lines.push(`acts in the last hour: ${s.actsLastHour.total}${per ? ` (${per})` : ''}`);
  lines.push(`held remediations: ${s.held}; in flight: ${s.inflight.length}`);
  for (const r of (s.refusedMessages ?? []).slice(-5))
    lines.push(`refused ${r.message} at ${r.at} (claimed by ${r.claimedBy ?? '?'}): ${r.reason}`);
  return lines;
}
