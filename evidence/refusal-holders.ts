// The enforcement controls and team-action registries whose refusals an export may select. Each is one long-lived
// workflow per task queue (continued as new), so it is selected by type alone, never by when it started or closed:
// its refusals are matched one by one by when they arrived (case-kinds.ts caseMatches). With --identity none is
// read: a refusal there is about no identity.
import type { Client } from '@temporalio/client';
import type { ExportQuery } from './manifest.ts';

export function selectRefusalHolders(workflowType: string) {
  return async (client: Client, query: ExportQuery): Promise<string[]> => {
    if (query.identity) return [];
    const ids = new Set<string>();
    for await (const wf of client.workflow.list({ query: `WorkflowType = '${workflowType}'` }))
      ids.add(wf.workflowId);
    return [...ids].sort();
  };
}
