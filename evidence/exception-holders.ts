// Which identity workflows hold exception requests, for an export that selects by query: the visibility index
// (each identity's memo counts the exception requests it received, refused at once included) narrows the search;
// the histories are the record.
import type { Client } from '@temporalio/client';
import { listIdentityMemos } from '../runtime/identity-memos.ts';
import {
  IDENTITY_WORKFLOW_TYPE,
  type IdentityMemo,
  identityWorkflowId,
} from '../workflows/identity/definitions.ts';
import type { ExportQuery } from './manifest.ts';

/**
 * Whether a memo says its identity received exception requests. Memos written before every request was counted
 * (no `exceptionRequests`) still show the open, live and ended ones.
 */
export const memoHoldsExceptions = (memo: IdentityMemo | undefined): boolean =>
  (memo?.exceptionRequests ?? 0) +
    (memo?.openExceptionRequests ?? 0) +
    (memo?.liveExceptions ?? 0) +
    (memo?.endedExceptions ?? 0) >
  0;

/**
 * Identity workflows whose memo (any run's) says they received exception requests; with --identity, that
 * identity's workflow whatever its memo says. Its history is the record; the memo is only the index. Memos are
 * read one by one: one written under a key this process does not hold is named on `skipped`, not fatal.
 */
export async function selectExceptionHolders(
  client: Client,
  query: ExportQuery = {},
  skipped: (line: string) => void = () => {},
): Promise<string[]> {
  const clauses = [`WorkflowType = '${IDENTITY_WORKFLOW_TYPE}'`];
  if (query.identity)
    clauses.push(`WorkflowId = '${identityWorkflowId(query.identity).replace(/'/g, "\\'")}'`);
  const ids = new Set<string>();
  const listed = await listIdentityMemos(client, clauses.join(' AND '), (workflowId, reason) => {
    if (query.identity)
      ids.add(workflowId); // asked for by name: its memo does not matter
    else skipped(`evidence: skipped ${workflowId}: its memo does not decode (${reason})`);
  });
  for (const { workflowId, memo } of listed)
    if (query.identity || memoHoldsExceptions(memo)) ids.add(workflowId);
  return [...ids].sort();
}
