// The access-request workflows that may hold cases an export selects: visibility narrows by time only (when the
// request started, or for archives when it closed); the action and identity are matched on each derived case
// (case-kinds.ts caseMatches), since an access workflow's id names neither.
import type { Client } from '@temporalio/client';
import { ACCESS_WORKFLOW_TYPE } from '../workflows/access/definitions.ts';
import type { ExportQuery } from './manifest.ts';
import { visibilityWindow } from './visibility-window.ts';

export async function selectAccessHolders(client: Client, query: ExportQuery): Promise<string[]> {
  const ids = new Set<string>();
  for await (const wf of client.workflow.list({ query: visibilityWindow(ACCESS_WORKFLOW_TYPE, query) }))
    ids.add(wf.workflowId);
  return [...ids].sort();
}
