// Which identity workflows hold exception requests, for an export that selects by query: the visibility index
// (each identity's memo counts its requests and exceptions) narrows the search; the histories are the record.
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import {
  IDENTITY_MEMO_KEY,
  IDENTITY_WORKFLOW_TYPE,
  type IdentityMemo,
  identityWorkflowId,
} from '../workflows/identity/definitions.ts';
import type { ExportQuery } from './manifest.ts';

/**
 * Identity workflows whose memo counts exception requests or exceptions (open, live or ended); with --identity,
 * that identity's workflow whatever its memo says. Its history is the record; the memo is only the index. Memos
 * are read one by one: one written under a key this process does not hold is named on `skipped`, not fatal.
 */
export async function selectExceptionHolders(
  client: Client,
  query: ExportQuery = {},
  skipped: (line: string) => void = () => {},
): Promise<string[]> {
  const clauses = [`WorkflowType = '${IDENTITY_WORKFLOW_TYPE}'`];
  if (query.identity)
    clauses.push(`WorkflowId = '${identityWorkflowId(query.identity).replace(/'/g, "\\'")}'`);
  const { payloadCodecs, payloadConverter } = client.options.loadedDataConverter;
  const readMemo = async (payload: Payload): Promise<IdentityMemo | undefined> => {
    let p = payload;
    for (const codec of [...payloadCodecs].reverse()) [p] = (await codec.decode([p])) as [Payload];
    return payloadConverter.fromPayload<IdentityMemo>(p);
  };
  const ids = new Set<string>();
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.listWorkflowExecutions({
      namespace: client.options.namespace,
      query: clauses.join(' AND '),
      nextPageToken,
    });
    for (const wf of page.executions ?? []) {
      const workflowId = wf.execution?.workflowId;
      if (!workflowId || ids.has(workflowId)) continue;
      if (query.identity) {
        ids.add(workflowId);
        continue;
      }
      const raw = wf.memo?.fields?.[IDENTITY_MEMO_KEY];
      let memo: IdentityMemo | undefined;
      try {
        memo = raw ? await readMemo(raw as Payload) : undefined;
      } catch (error) {
        skipped(`evidence: skipped ${workflowId}: its memo does not decode (${(error as Error).message})`);
        continue;
      }
      const counted =
        (memo?.openExceptionRequests ?? 0) + (memo?.liveExceptions ?? 0) + (memo?.endedExceptions ?? 0);
      if (counted > 0) ids.add(workflowId);
    }
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return [...ids].sort();
}
