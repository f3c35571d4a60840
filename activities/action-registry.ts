// Talking to the action registry (workflows/registry): register and remove through validated updates, list by
// query, and see whether a worker polls a team's task queue (DescribeTaskQueue pollers). Used by the kit's worker,
// `nhi actions`, `nhi policy check` and the remediation's resolve activity; all take a Temporal client.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { type Client, WithStartWorkflowOperation, WorkflowNotFoundError } from '@temporalio/client';
import proto from '@temporalio/proto';
import {
  isTeamActionName,
  type RegisteredAction,
  type RegisteredActionInput,
  teamActionProblem,
} from '../schemas/action-contract.ts';
import type { IdentityType } from '../schemas/identity.ts';
import { signDecision } from '../schemas/signed-decision.ts';
import {
  REGISTRY_RUN,
  REGISTRY_WORKFLOW_TYPE,
  type RegistryInput,
  registerActionUpdate,
  registeredActionsQuery,
  registrationTerms,
  registryWorkflowId,
  removalTerms,
  removeActionUpdate,
} from '../workflows/registry/definitions.ts';

/** Who signs a registry change: a person (`nhi actions --as`) or a team worker's service key, as the directory lists them. */
export interface RegistrySigner {
  person: string;
  secretKey: string;
}

const signed = (
  signer: RegistrySigner,
  registryQueue: string,
  decision: 'register' | 'remove',
  planHash: string,
  reason: string,
) =>
  signDecision(
    {
      workflowId: registryWorkflowId(registryQueue),
      runId: REGISTRY_RUN,
      planHash,
      decision,
      person: signer.person,
      reason,
      time: new Date().toISOString(),
    },
    signer.secretKey,
  );

/** Registers (or replaces) a team action with the deployment's registry, starting the registry if it is not running. */
export async function registerAction(
  client: Client,
  registryQueue: string,
  action: RegisteredActionInput,
  signer: RegistrySigner,
  reason = `register ${action.name}`,
): Promise<RegisteredAction> {
  const startWorkflowOperation = new WithStartWorkflowOperation<(input: RegistryInput) => Promise<void>>(
    REGISTRY_WORKFLOW_TYPE,
    {
      workflowId: registryWorkflowId(registryQueue),
      taskQueue: registryQueue,
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [{}],
    },
  );
  return client.workflow.executeUpdateWithStart(registerActionUpdate, {
    args: [{ action, signed: signed(signer, registryQueue, 'register', registrationTerms(action), reason) }],
    startWorkflowOperation,
  });
}

export async function removeAction(
  client: Client,
  registryQueue: string,
  name: string,
  signer: RegistrySigner,
  reason = `remove ${name}`,
): Promise<RegisteredAction> {
  return client.workflow.getHandle(registryWorkflowId(registryQueue)).executeUpdate(removeActionUpdate, {
    args: [{ name, signed: signed(signer, registryQueue, 'remove', removalTerms(name), reason) }],
  });
}

/** The registered team actions; none when nothing was ever registered (no registry workflow yet). */
export async function registeredActions(client: Client, registryQueue: string): Promise<RegisteredAction[]> {
  try {
    return await client.workflow.getHandle(registryWorkflowId(registryQueue)).query(registeredActionsQuery);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return [];
    throw error;
  }
}

export interface QueuePollers {
  /** A worker polled within LIVE_POLL_MS. */
  live: boolean;
  pollers: Array<{ identity: string; lastAccessTime?: string }>;
}

/** Temporal lists a stopped worker as a poller for minutes; a poll this recent counts as a live worker. */
export const LIVE_POLL_MS = 2 * 60_000;

/** Who polls `taskQueue` for activities (team actions run as activities). */
export async function activityPollers(
  client: Client,
  taskQueue: string,
  now = Date.now(),
): Promise<QueuePollers> {
  const answer = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue, kind: proto.temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
  });
  const pollers = (answer.pollers ?? []).map((p) => {
    const seconds = Number(p.lastAccessTime?.seconds ?? 0);
    return {
      identity: p.identity ?? '',
      ...(seconds ? { lastAccessTime: new Date(seconds * 1000).toISOString() } : {}),
    };
  });
  const live = pollers.some((p) => p.lastAccessTime && now - Date.parse(p.lastAccessTime) <= LIVE_POLL_MS);
  return { live, pollers };
}

/**
 * The remediation's first step for a team action: the registered contract, checked against the rule's params.
 * `local` names the team-style actions this worker itself carries (built into its process, e.g. by a deployment
 * that adds its own action code): those run here, on this worker's queue, like the built-ins.
 */
export function createRegistryActivities(local: readonly string[] = []) {
  const own = new Set(local);
  return {
    async resolveTeamAction(request: {
      action: string;
      identityType: IdentityType;
      params?: Record<string, unknown>;
    }): Promise<{ action: RegisteredAction } | { refused: string } | { local: true }> {
      if (!isTeamActionName(request.action))
        throw ApplicationFailure.nonRetryable(`'${request.action}' is not a team action name`);
      if (own.has(request.action)) return { local: true };
      const { client, info } = Context.current();
      const found = teamActionProblem(
        await registeredActions(client, info.taskQueue),
        request.action,
        request.identityType,
        request.params,
      );
      return found.ok ? { action: found.action } : { refused: found.reason };
    },
  };
}
