// The access-request workflows that may hold cases an export selects: visibility narrows by time only (when the
// request started, or for archives when it closed); the action and identity are matched on each derived case
// (case-kinds.ts caseMatches), since an access workflow's id names neither.
import type { Client } from '@temporalio/client';
import { ACCESS_WORKFLOW_TYPE } from '../workflows/access/definitions.ts';
import type { ExportQuery } from './manifest.ts';

export async function selectAccessHolders(client: Client, query: ExportQuery): Promise<string[]> {
  const closed = query.window === 'closed';
  const field = closed ? 'CloseTime' : 'StartTime';
  const clauses = [`WorkflowType = '${ACCESS_WORKFLOW_TYPE}'`];
  if (closed) clauses.push(`ExecutionStatus != 'Running'`);
  if (query.since) clauses.push(`${field} >= '${new Date(query.since).toISOString()}'`);
  if (query.until) clauses.push(`${field} ${closed ? '<' : '<='} '${new Date(query.until).toISOString()}'`);
  const ids = new Set<string>();
  for await (const wf of client.workflow.list({ query: clauses.join(' AND ') })) ids.add(wf.workflowId);
  return [...ids].sort();
}
