// The worker's check of a rescan report before the scope's workflow acts on it: the findings consumer's service
// signature (schemas/rescan-report-mac.ts), then the policy's declared rescans (scope, topic, tool).
import type { Policy } from '../schemas/policy.ts';
import { rescanMacKey, rescanMacProblem } from '../schemas/rescan-report-mac.ts';
import { scopeMatches } from '../schemas/rescan-scope.ts';
import type { RescanCheck, RescanReport } from '../workflows/rescan/scope-state.ts';

/** Pure: which verdict a report gets under a policy, given its MAC problem (if any). */
export function rescanVerdict(
  report: RescanReport,
  macProblem: string | undefined,
  policy: Policy,
): RescanCheck {
  if (macProblem) return { verdict: 'refused', reason: macProblem };
  const declared = policy.rescans.some(
    (r) =>
      r.topic === report.topic &&
      (!r.format || r.format === report.format) &&
      scopeMatches(r.scope, report.scope),
  );
  if (!declared)
    return {
      verdict: 'claim',
      reason: `a ${report.format} rescan of ${report.scope} on topic ${report.topic ?? '(none)'} is not declared in the policy's rescans: a tool's claim, it closes nothing`,
    };
  return { verdict: 'closes' };
}

export function createRescanCheck(policy: () => { policy: Policy }) {
  const key = rescanMacKey();
  return {
    async checkRescanReport(report: RescanReport): Promise<RescanCheck> {
      return rescanVerdict(report, rescanMacProblem(report, key), policy().policy);
    },
  };
}
