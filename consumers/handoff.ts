// Hands each identity's findings to its workflow with signal-with-start: it starts the workflow if needed, so
// the first finding about an identity and the thousandth take the same path. Idempotent on the workflow side
// (dedup by finding id), so a retry after a crash is harmless.
//
// One identity's chunks go in order, one at a time (a "resolved" report must not overtake the "open" one);
// different identities go in parallel. A failure stops that identity only: the result says what is left, so the
// caller retries exactly that and never re-sends what Temporal already holds.
import { type Client, isGrpcServiceError, WorkflowNotFoundError } from '@temporalio/client';
import { sealAs } from '../runtime/service-keys.ts';
import type { Finding } from '../schemas/finding.ts';
import type { IdentityRef } from '../schemas/identity.ts';
import type { Sealed } from '../schemas/service-seal.ts';
import {
  type FindingsDelivery,
  findingsSignal,
  identityWorkflowId,
  TASK_QUEUE,
} from '../workflows/identity/definitions.ts';
import type { identityWorkflow } from '../workflows/identity/workflow.ts';
import { ENFORCEMENT_PRIORITY } from '../workflows/priority.ts';
import { isUrgent } from './coalescer.ts';
import { chunkBySize, type IdentityBatch } from './group-by-identity.ts';
import { GrpcStatus } from './temporal-errors.ts';

export const PARALLEL_SIGNALS = 16;

/** One identity's findings still to deliver, as signal payloads in order. */
export interface IdentityWork {
  identity: IdentityRef;
  chunks: Finding[][];
}

/** What is left of one identity's work after a failure: `remaining[0]` is the chunk that failed. */
export interface HandOffFailure {
  identity: IdentityRef;
  remaining: Finding[][];
  error: unknown;
}

export interface HandOffResult {
  failures: HandOffFailure[];
  signals: number;
  findings: number;
}

export type SignalFn = (identity: IdentityRef, findings: Finding[]) => Promise<void>;

export function toWork(batches: IdentityBatch[]): IdentityWork[] {
  return batches.map((b) => ({ identity: b.identity, chunks: chunkBySize(b.findings) }));
}

/**
 * Signal-with-start, or a plain signal to a workflow this process already saw running: about twice as cheap for
 * Temporal (no start to consider). A workflow that closed meanwhile answers "not found": then it is started again
 * with signal-with-start, so the plain signal never loses a finding.
 */
export function temporalSignal(
  client: Client,
  taskQueue = TASK_QUEUE,
  running: RunningWorkflows = new RunningWorkflows(),
): SignalFn {
  return async (identity, findings) => {
    const workflowId = identityWorkflowId(identity.key);
    const urgent = findings.some(isUrgent);
    // Sealed as the consumer's (schemas/service-seal.ts): the identity workflow takes findings from no one else.
    const delivery = { identity, findings };
    const sealed = {
      ...delivery,
      seal: sealAs('consumer', { workflowId, message: findingsSignal.name, body: delivery }),
    };
    if (running.has(workflowId)) {
      try {
        // Before the signal, so the workflow task the signal schedules already has the priority.
        if (urgent) await raisePriority(client, workflowId);
        await client.workflow.getHandle(workflowId).signal(findingsSignal, sealed);
        return;
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
        running.delete(workflowId);
      }
    }
    await client.workflow.signalWithStart<typeof identityWorkflow, [Sealed<FindingsDelivery>]>(
      'identityWorkflow',
      {
        workflowId,
        taskQueue,
        // Started by a leaked or compromised credential: its tasks go ahead of bulk assessment in the queue.
        ...(urgent ? { priority: ENFORCEMENT_PRIORITY } : {}),
        args: [{ identity }],
        signal: findingsSignal,
        signalArgs: [sealed],
      },
    );
    running.add(workflowId);
  };
}

/**
 * A running identity workflow that receives a leaked or compromised credential takes the enforcement priority from
 * then on (its later bulk work included: the identity is compromised). Not running: "not found", as a signal says.
 */
async function raisePriority(client: Client, workflowId: string): Promise<void> {
  try {
    await client.workflowService.updateWorkflowExecutionOptions({
      namespace: client.options.namespace,
      workflowExecution: { workflowId },
      workflowExecutionOptions: { priority: { priorityKey: ENFORCEMENT_PRIORITY.priorityKey } },
      updateMask: { paths: ['priority'] },
    });
  } catch (error) {
    if (isGrpcServiceError(error) && error.code === GrpcStatus.NOT_FOUND)
      throw new WorkflowNotFoundError('identity workflow not running', workflowId, undefined);
    throw error;
  }
}

/** Workflow ids seen running, the most recent `cap` of them (a miss only costs a signal-with-start). */
export class RunningWorkflows {
  private readonly ids = new Set<string>();
  constructor(private readonly cap = 100_000) {}
  has(id: string): boolean {
    return this.ids.has(id);
  }
  add(id: string): void {
    this.ids.delete(id);
    this.ids.add(id);
    if (this.ids.size > this.cap) this.ids.delete(this.ids.values().next().value!);
  }
  delete(id: string): void {
    this.ids.delete(id);
  }
  get size(): number {
    return this.ids.size;
  }
}

/** Never throws: every failure comes back in the result with what is left to send. */
export async function handOff(
  signal: SignalFn,
  work: IdentityWork[],
  parallel = PARALLEL_SIGNALS,
): Promise<HandOffResult> {
  const queue = [...work];
  const result: HandOffResult = { failures: [], signals: 0, findings: 0 };
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      for (let i = 0; i < next.chunks.length; i++) {
        const chunk = next.chunks[i]!;
        try {
          await signal(next.identity, chunk);
          result.signals++;
          result.findings += chunk.length;
        } catch (error) {
          result.failures.push({ identity: next.identity, remaining: next.chunks.slice(i), error });
          break;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, queue.length) }, worker));
  return result;
}
