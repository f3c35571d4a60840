// The remediation's way to the control workflow: an update-with-start, so the control exists whenever someone
// asks (no separate start step to forget), on the remediation's own task queue.
import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation } from '@temporalio/client';
import type { ActAnswer, ActRequest } from '../risk/brakes.ts';
import { scheduledAt, sealAs } from '../runtime/service-keys.ts';
import {
  CONTROL_WORKFLOW_TYPE,
  type ControlInput,
  controlWorkflowId,
  reserveActUpdate,
} from '../workflows/control/definitions.ts';
import { ENFORCEMENT_PRIORITY } from '../workflows/priority.ts';

/**
 * Temporal refuses more than a few updates in flight per workflow (10 by default: ResourceExhausted). A burst of
 * remediations would spend its time in retries; one worker keeps its own asks below that.
 */
const MAX_UPDATES_IN_FLIGHT = 6;

export function createControlActivities() {
  let inFlight = 0;
  const waiting: Array<() => void> = [];
  const acquire = async () => {
    while (inFlight >= MAX_UPDATES_IN_FLIGHT) await new Promise<void>((r) => waiting.push(r));
    inFlight++;
  };
  const release = () => {
    inFlight--;
    waiting.shift()?.();
  };

  return {
    async reserveAct(request: ActRequest): Promise<ActAnswer> {
      const { client, info } = Context.current();
      // Sealed as the worker's: a reservation from anyone else uses up no rate limit (schemas/service-seal.ts).
      const workflowId = controlWorkflowId(info.taskQueue);
      const seal = sealAs('worker', {
        workflowId,
        message: reserveActUpdate.name,
        body: request,
        at: scheduledAt(info),
      });
      const startWorkflowOperation = new WithStartWorkflowOperation<(input: ControlInput) => Promise<void>>(
        CONTROL_WORKFLOW_TYPE,
        {
          workflowId,
          taskQueue: info.taskQueue,
          workflowIdConflictPolicy: 'USE_EXISTING',
          // It serves only acting: its update tasks must not queue behind bulk assessment (workflows/priority.ts).
          priority: ENFORCEMENT_PRIORITY,
          args: [{}],
        },
      );
      await acquire();
      try {
        return await client.workflow.executeUpdateWithStart(reserveActUpdate, {
          args: [{ ...request, seal }],
          startWorkflowOperation,
        });
      } finally {
        release();
      }
    },
  };
}
