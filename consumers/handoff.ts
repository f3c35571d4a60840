// Hands each identity's findings to its workflow with signal-with-start: it starts the workflow if needed, so
// the first finding about an identity and the thousandth take the same path. Idempotent on the workflow side
// (dedup by finding id), so a retry after a crash is harmless.
import type { Client } from '@temporalio/client';
import { findingsSignal, identityWorkflowId, TASK_QUEUE } from '../workflows/identity/definitions.ts';
import type { identityWorkflow } from '../workflows/identity/workflow.ts';
import { chunkBySize, type IdentityBatch } from './group-by-identity.ts';

const PARALLEL_SIGNALS = 16;

export async function handOff(
  client: Client,
  batches: IdentityBatch[],
  taskQueue = TASK_QUEUE,
): Promise<void> {
  const queue = batches.flatMap((b) =>
    chunkBySize(b.findings).map((findings) => ({ identity: b.identity, findings })),
  );
  const work = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      await client.workflow.signalWithStart<typeof identityWorkflow, [typeof next]>('identityWorkflow', {
        workflowId: identityWorkflowId(next.identity.key),
        taskQueue,
        args: [{ identity: next.identity }],
        signal: findingsSignal,
        signalArgs: [next],
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_SIGNALS, queue.length) }, work));
}
