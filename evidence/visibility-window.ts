// The visibility query that selects an export's workflows of one type by time. Archives (window closed) select by
// close time, so a workflow still open (a remediation waiting for approval) is archived once it has ended.
import type { ExportQuery } from './manifest.ts';

export function visibilityWindow(workflowType: string, query: ExportQuery): string {
  const closed = query.window === 'closed';
  const field = closed ? 'CloseTime' : 'StartTime';
  const clauses = [`WorkflowType = '${workflowType}'`];
  if (closed) clauses.push(`ExecutionStatus != 'Running'`);
  if (query.since) clauses.push(`${field} >= '${new Date(query.since).toISOString()}'`);
  if (query.until) clauses.push(`${field} ${closed ? '<' : '<='} '${new Date(query.until).toISOString()}'`);
  return clauses.join(' AND ');
}
