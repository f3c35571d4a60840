// `nhi enforcement pause|resume|status [--json]`: the kill switch. A pause is acknowledged once the control
// workflow has recorded it and no act granted before it is still running: from then on nothing acts, and
// remediations that reach their act wait (kept, not dropped) until `resume`.
import { WithStartWorkflowOperation, WorkflowNotFoundError } from '@temporalio/client';
import {
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
import { connectTemporal } from '../identity-source.ts';

const usage = `usage: nhi enforcement pause --as WHO --reason R [--json]
       nhi enforcement resume --as WHO --reason R [--json]
       nhi enforcement status [--json]

The brakes on automatic enforcement, kept by the control workflow (one per task queue, in Temporal):
  pause    kill switch: waits until the pause is acknowledged (no act granted before it still running), then
           nothing acts; remediations that reach their act are held, not dropped
  resume   lifts the pause, closes an open circuit breaker, and lets held remediations go on
  status   paused or not, circuit breaker, acts in the last hour per account, held and in-flight remediations

  --as WHO        who pauses or resumes (recorded)
  --reason R      why (recorded)
  --task-queue Q  the deployment's task queue (default NHI_TASK_QUEUE, else ${TASK_QUEUE})
  --json          the control's status as one JSON object

Needs Temporal (NHI_TEMPORAL_ADDRESS) and a worker (nhi run). Exit status: 0; 2 on bad arguments; 1 with one
line when Temporal or a worker cannot be reached.`;

const ACK_TIMEOUT_MS = 11 * 60_000;

export const enforcementCommand: Command = {
  name: 'enforcement',
  summary: 'kill switch and brakes: pause, resume, status',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      json: { type: 'boolean' },
      as: { type: 'string' },
      reason: { type: 'string' },
      'task-queue': { type: 'string' },
    });
    const [verb, ...rest] = positionals;
    if (!verb) throw new UsageError('say pause, resume or status');
    if (!['pause', 'resume', 'status'].includes(verb))
      throw new UsageError(`unknown enforcement command '${verb}' (pause, resume or status)`);
    if (rest.length) throw new UsageError(`unexpected argument '${rest[0]}'`);
    if (verb !== 'status' && (!values.as?.trim() || !values.reason?.trim()))
      throw new UsageError(`${verb} needs --as WHO and --reason R`);
    const taskQueue = values['task-queue'] || process.env.NHI_TASK_QUEUE || TASK_QUEUE;
    const workflowId = controlWorkflowId(taskQueue);

    const source = await connectTemporal();
    try {
      let status: ControlStatus;
      if (verb === 'status') {
        try {
          status = await source.client.connection.withDeadline(Date.now() + 10_000, () =>
            source.client.workflow.getHandle(workflowId).query(controlStatusQuery),
          );
        } catch (error) {
          if (
            !(error instanceof WorkflowNotFoundError) &&
            !/not found/i.test(String((error as Error).message))
          )
            throw error;
          // Never paused and nothing acted yet: the control starts with the first reservation or pause.
          status = {
            acknowledged: false,
            inflight: [],
            recentFailures: 0,
            actsLastHour: { total: 0, byAccount: {} },
            held: 0,
          };
        }
      } else {
        const startWorkflowOperation = new WithStartWorkflowOperation<(input: ControlInput) => Promise<void>>(
          CONTROL_WORKFLOW_TYPE,
          { workflowId, taskQueue, workflowIdConflictPolicy: 'USE_EXISTING', args: [{}] },
        );
        status = await source.client.connection.withDeadline(Date.now() + ACK_TIMEOUT_MS, () =>
          source.client.workflow.executeUpdateWithStart(verb === 'pause' ? pauseUpdate : resumeUpdate, {
            args: [{ by: values.as!.trim(), reason: values.reason!.trim() }],
            startWorkflowOperation,
          }),
        );
      }
      if (values.json) io.out(JSON.stringify({ taskQueue, ...status }));
      else for (const line of describe(status)) io.out(line);
      return 0;
    } catch (error) {
      if (error instanceof CommandError || error instanceof UsageError) throw error;
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
  return lines;
}
