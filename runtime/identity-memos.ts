// Identity workflows as the visibility index lists them, each with its memo decoded on its own: the SDK's list
// decodes a whole page at once, so one memo written under a payload key this process does not hold (another
// deployment's, a rotated-out one) would fail every listing that reads memos. Here it is named and passed over.
// The list is read a page at a time, only as the reader asks for more: 100,000 identities are never all in memory.
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { undecodableReason } from '../schemas/undecodable.ts';
import { IDENTITY_MEMO_KEY, type IdentityMemo } from '../workflows/identity/definitions.ts';

export interface ListedIdentityMemo {
  workflowId: string;
  /** Absent when the workflow has no memo (yet). */
  memo?: IdentityMemo;
}

/** One execution as a visibility page holds it (the raw protobuf shape: memo payloads not decoded yet). */
export interface RawExecution {
  execution?: { workflowId?: string | null } | null;
  memo?: { fields?: Record<string, Payload> | null } | null;
}

/** A page of the visibility list, and the token of the next (absent or empty on the last page). */
export type PageSource = (
  token: Uint8Array | undefined,
) => Promise<{ executions?: RawExecution[] | null; nextPageToken?: Uint8Array | null }>;

/** Visibility pages of `query`, `pageSize` executions each (the server's default when unset). */
export function visibilityPages(client: Client, query: string, pageSize?: number): PageSource {
  return (nextPageToken) =>
    client.workflowService.listWorkflowExecutions({
      namespace: client.options.namespace,
      query,
      nextPageToken,
      ...(pageSize ? { pageSize } : {}),
    });
}

/** Decodes one memo payload with the client's codecs; throws for one it cannot open. */
export function memoDecoder(client: Client): (payload: Payload) => Promise<IdentityMemo> {
  const { payloadCodecs, payloadConverter } = client.options.loadedDataConverter;
  return async (payload) => {
    let p = payload;
    for (const codec of [...payloadCodecs].reverse()) [p] = (await codec.decode([p])) as [Payload];
    const memo = payloadConverter.fromPayload<unknown>(p);
    // The codec hands on a typed marker, not an error, for a payload it cannot open (schemas/undecodable.ts).
    const refused = undecodableReason(memo);
    if (refused !== undefined) throw new Error(refused);
    return memo as IdentityMemo;
  };
}

/**
 * Each execution of the pages with its memo, one page fetched at a time and only when the reader has taken the
 * previous one: what is held is one page. One whose memo does not decode is told to `unreadable` (workflow id,
 * why) and left out.
 */
export async function* streamIdentityMemos(
  pages: PageSource,
  decode: (payload: Payload) => Promise<IdentityMemo>,
  unreadable: (workflowId: string, reason: string) => void,
): AsyncGenerator<ListedIdentityMemo> {
  let token: Uint8Array | undefined;
  do {
    const page = await pages(token);
    for (const wf of page.executions ?? []) {
      const workflowId = wf.execution?.workflowId;
      if (!workflowId) continue;
      const raw = wf.memo?.fields?.[IDENTITY_MEMO_KEY];
      let listed: ListedIdentityMemo;
      try {
        listed = raw ? { workflowId, memo: await decode(raw) } : { workflowId };
      } catch (error) {
        unreadable(workflowId, (error as Error).message?.split('\n')[0] ?? String(error));
        continue;
      }
      yield listed;
    }
    token = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (token);
}

/**
 * Every execution the visibility query lists (every run of a chain, when the query does not restrict to running
 * ones), with its memo, collected (for callers that need them all: the evidence export's holders).
 */
export async function listIdentityMemos(
  client: Client,
  query: string,
  unreadable: (workflowId: string, reason: string) => void,
): Promise<ListedIdentityMemo[]> {
  const out: ListedIdentityMemo[] = [];
  for await (const listed of streamIdentityMemos(
    visibilityPages(client, query),
    memoDecoder(client),
    unreadable,
  ))
    out.push(listed);
  return out;
}
