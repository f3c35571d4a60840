// A message marked with the header `nhi-rescan-scope: SCOPE` is the complete result of one tool for SCOPE (a
// repository or path): the secrets it names are what is open there now. This turns its findings into the report
// the scope's workflow compares with the previous one (workflows/rescan/); rescanReportOf is pure.
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { type Finding, Format } from '../schemas/finding.ts';
import { rescanReportMac } from '../schemas/rescan-report-mac.ts';
import { readableRescanScope, rescanWorkflowId } from '../schemas/rescan-scope.ts';
import {
  RESCAN_SCOPE_MEMO_KEY,
  type RescanScopeInput,
  rescanReportSignal,
} from '../workflows/rescan/definitions.ts';
import type { RescanReport } from '../workflows/rescan/scope-state.ts';

export const RESCAN_SCOPE_HEADER = 'nhi-rescan-scope';

export type RescanFn = (report: RescanReport) => Promise<void>;

/** Where the consumer read the message: the policy's declared rescans are per topic. */
export interface RescanOrigin {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * The report, or why there is none: the tool comes from the format header, else from the findings (an empty
 * result under `auto` names no tool). The scope is made readable first (no URL credentials, no credential
 * shapes: schemas/rescan-scope.ts); `at` is the Kafka message time, which the broker bounds (infra/topics.ts).
 */
export function rescanReportOf(
  scope: string,
  formatHeader: string | undefined,
  findings: readonly Finding[],
  at: string,
  origin?: RescanOrigin,
): { report: RescanReport } | { problem: string } {
  const trimmed = readableRescanScope(scope);
  if (!trimmed || trimmed.length > 500)
    return { problem: 'rescan scope empty or longer than 500 characters' };
  const told = Format.safeParse(formatHeader);
  const format = told.success ? told.data : findings[0]?.source.format;
  if (!format) return { problem: 'a rescan without a format header and without findings names no tool' };
  const entries = findings
    .filter(
      (f) => f.kind === 'exposed-secret' && f.status === 'open' && f.checkKey && f.source.format === format,
    )
    .map((f) => ({
      checkKey: f.checkKey!,
      identity: f.identities.find((i) => i.type === 'secret') ?? f.identities[0]!,
    }))
    .filter((e) => e.identity);
  return { report: { format, scope: trimmed, at, entries, ...(origin ?? {}) } };
}

/** Signal-with-start of the scope's workflow on the task queue, the report signed with the service key. */
export function temporalRescan(client: Client, taskQueue: string): RescanFn {
  return async (unsigned) => {
    const report = { ...unsigned, mac: rescanReportMac(unsigned) };
    try {
      await client.workflow.signalWithStart<(input: RescanScopeInput) => Promise<void>, [RescanReport]>(
        'rescanScopeWorkflow',
        {
          workflowId: rescanWorkflowId(report.format, report.scope),
          taskQueue,
          args: [{ format: report.format, scope: report.scope }],
          memo: { [RESCAN_SCOPE_MEMO_KEY]: report.scope },
          signal: rescanReportSignal,
          signalArgs: [report],
        },
      );
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  };
}
