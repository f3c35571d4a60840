// One long-lived workflow per tool and rescan scope: it keeps which secrets the latest complete report named, and
// closes (as resolved, by check key) each one the next complete report no longer names, by signalling the closing
// report to the secret's identity workflow. The diff is pure (scope-state.ts).
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { findingsSignal, identityWorkflowId } from '../identity/definitions.ts';
import { sendSealed } from '../service-messages.ts';
import { type RescanScopeInput, rescanReportSignal, rescanStateQuery } from './definitions.ts';
import { applyRescan, type RescanReport, type ScopeState } from './scope-state.ts';

const MAX_HISTORY_EVENTS = 2_000;

export async function rescanScopeWorkflow(input: RescanScopeInput): Promise<void> {
  const state: ScopeState = input.state ?? { format: input.format, scope: input.scope, open: {} };
  const reports: RescanReport[] = [];
  setHandler(rescanReportSignal, (report) => {
    if (report && Array.isArray(report.entries)) reports.push(report);
  });
  setHandler(rescanStateQuery, () => state);

  for (;;) {
    await condition(() => reports.length > 0 || workflowInfo().continueAsNewSuggested);
    while (reports.length) {
      const report = reports.shift()!;
      const { closings, ignored } = applyRescan(state, report, () => `f_${uuid4().replaceAll('-', '')}`);
      if (ignored) log.info('rescan ignored', { scope: state.scope, ignored });
      for (const { identity, finding } of closings) {
        // The identity received the secret's finding earlier, so its workflow exists; if it does not, nothing
        // is open there to close.
        await sendSealed(identityWorkflowId(identity.key), findingsSignal, {
          identity,
          findings: [finding],
        }).catch((error: unknown) =>
          log.warn('rescan closing not delivered', { identity: identity.key, error }),
        );
      }
    }
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength >= MAX_HISTORY_EVENTS) {
      await condition(allHandlersFinished);
      if (reports.length) continue;
      await continueAsNew<typeof rescanScopeWorkflow>({ format: state.format, scope: state.scope, state });
    }
  }
}
