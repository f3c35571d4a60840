// One long-lived workflow per tool and rescan scope: it keeps which secrets the latest complete report named, and
// closes (as resolved, by check key) each one the next complete report no longer names, by signalling the closing
// report to the secret's identity workflow. The diff is pure (scope-state.ts).
//
// A report is a service message: before it changes anything the worker checks it (activities/rescan-check.ts):
// without the consumer's service signature it is refused (a signal from a bare Temporal client), and for a scope,
// topic or tool the policy does not declare it is a tool's claim. Both are recorded (memo REFUSED_MEMO_KEY) and
// close nothing. Every closure is recorded too (memo RESCAN_CLOSURES_MEMO_KEY), so the evidence shows it.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertMemo,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';
import { REFUSED_MEMO_KEY, recordRefusal } from '../../schemas/refused-message.ts';
import { findingsSignal, identityWorkflowId } from '../identity/definitions.ts';
import { sendSealed } from '../service-messages.ts';
import {
  RESCAN_CLOSURES_MEMO_KEY,
  type RescanScopeInput,
  rescanReportSignal,
  rescanStateQuery,
} from './definitions.ts';
import {
  applyRescan,
  MAX_CLOSURES_KEPT,
  type RescanCheck,
  type RescanReport,
  type ScopeState,
} from './scope-state.ts';

const MAX_HISTORY_EVENTS = 2_000;
/** Reports are checked (service signature, the policy's declared rescans) before they change anything. */
export const CHECKED_RESCANS_PATCH = 'rescan-reports-checked';

const { checkRescanReport } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumInterval: '1 minute' },
});

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
      if (patched(CHECKED_RESCANS_PATCH)) {
        const check: RescanCheck = await checkRescanReport(report);
        if (check.verdict !== 'closes') {
          state.refused = recordRefusal(state.refused ?? [], {
            at: new Date().toISOString(),
            message: 'rescanReport',
            claimedBy:
              check.verdict === 'claim' ? `${report.format} on ${report.topic ?? '?'}` : 'findings consumer',
            reason: check.reason,
          });
          upsertMemo({ [REFUSED_MEMO_KEY]: state.refused });
          log.warn('rescan report not acted on', { verdict: check.verdict, reason: check.reason });
          continue;
        }
      }
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
      if (closings.length && patched(CHECKED_RESCANS_PATCH)) {
        const at = new Date().toISOString();
        const where = report.topic ? `${report.topic}/${report.partition}@${report.offset}` : undefined;
        state.closures = [
          ...(state.closures ?? []),
          ...closings.map(({ identity, finding }) => ({
            at,
            format: state.format,
            scope: state.scope,
            checkKey: finding.checkKey!,
            identity: identity.key,
            ...(where ? { report: where } : {}),
          })),
        ].slice(-MAX_CLOSURES_KEPT);
        upsertMemo({ [RESCAN_CLOSURES_MEMO_KEY]: state.closures });
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
