// Identity workflows as the visibility index lists them, each with its memo decoded on its own: the SDK's list
// decodes a whole page at once, so one memo written under a payload key this process does not hold (another
// deployment's, a rotated-out one) would fail every listing that reads memos. Here it is named and passed over.
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { undecodableReason } from '../schemas/undecodable.ts';
import { IDENTITY_MEMO_KEY, type IdentityMemo } from '../workflows/identity/definitions.ts';

export interface ListedIdentityMemo {
  workflowId: string;
  /** Absent when the workflow has no memo (yet). */
  memo?: IdentityMemo;
}

/**
 * Every execution the visibility query lists (every run of a chain, when the query does not restrict to running
 * ones), with its memo; one whose memo does not decode is told to `unreadable` (workflow id, why) and left out.
 */
export async function listIdentityMemos(
  client: Client,
  query: string,
  unreadable: (workflowId: string, reason: string) => void,
): Promise<ListedIdentityMemo[]> {
  const { payloadCodecs, payloadConverter } = client.options.loadedDataConverter;
  const decode = async (payload: Payload): Promise<IdentityMemo> => {
    let p = payload;
    for (const codec of [...payloadCodecs].reverse()) [p] = (await codec.decode([p])) as [Payload];
    const memo = payloadConverter.fromPayload<unknown>(p);
    // The codec hands on a typed marker, not an error, for a payload it cannot open (schemas/undecodable.ts).
    const refused = undecodableReason(memo);
    if (refused !== undefined) throw new Error(refused);
    return memo as IdentityMemo;
  };
  const out: ListedIdentityMemo[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.listWorkflowExecutions({
      namespace: client.options.namespace,
      query,
      nextPageToken,
    });
    for (const wf of page.executions ?? []) {
      const workflowId = wf.execution?.workflowId;
      if (!workflowId) continue;
      const raw = wf.memo?.fields?.[IDENTITY_MEMO_KEY];
      try {
        out.push(raw ? { workflowId, memo: await decode(raw as Payload) } : { workflowId });
      } catch (error) {
        unreadable(workflowId, (error as Error).message.split('\n')[0] ?? String(error));
      }
    }
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return out;
}
