// The rescan scope workflow's messages, shared by the workflow, the consumer and the tests.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Format } from '../../schemas/finding.ts';
import type { RescanReport, ScopeState } from './scope-state.ts';

/** One workflow per tool and scope: `rescan/gitleaks/github.com/org/repo`. */
export const rescanWorkflowId = (format: Format, scope: string): string => `rescan/${format}/${scope}`;
export const RESCAN_WORKFLOW_TYPE = 'rescanScopeWorkflow';

export interface RescanScopeInput {
  format: Format;
  scope: string;
  state?: ScopeState;
}

export const rescanReportSignal = defineSignal<[RescanReport]>('rescanReport');
export const rescanStateQuery = defineQuery<ScopeState>('rescanState');
