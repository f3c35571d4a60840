// The rescan scope workflow's messages, shared by the workflow, the consumer and the tests.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Format } from '../../schemas/finding.ts';
import type { RescanReport, ScopeState } from './scope-state.ts';

// One workflow per tool and scope: rescanWorkflowId in schemas/rescan-scope.ts (a hash of the readable scope).
export const RESCAN_WORKFLOW_TYPE = 'rescanScopeWorkflow';

/** Memo keys (encrypted like payloads): the readable scope, and the findings the scope's rescans closed. */
export const RESCAN_SCOPE_MEMO_KEY = 'rescanScope';
export const RESCAN_CLOSURES_MEMO_KEY = 'rescanClosures';

export interface RescanScopeInput {
  format: Format;
  scope: string;
  state?: ScopeState;
}

/** A service message (the findings consumer's, MACed): checked on the worker before anything changes. */
export const rescanReportSignal = defineSignal<[RescanReport]>('rescanReport');
export const rescanStateQuery = defineQuery<ScopeState>('rescanState');
