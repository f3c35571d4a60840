// What every case of an export shares, whatever its kind, so the report, verify and the control counts treat
// them alike: a remediation (summary.ts), an exception request (exception-summary.ts), and kinds added later
// (register one in case-kinds.ts).
import type { MappedControl } from './controls.ts';

export interface CaseSummary {
  kind: string;
  /** Unique within the export (a remediation's workflow id; `exc-1@<identity>` for an exception request). */
  id: string;
  workflowId: string;
  runIds: string[];
  status: string;
  identity: { key: string };
  /** The action the case is about (what --action selects by). */
  action: string;
  /** When the case began (what --since/--until select by). */
  openedAt: string;
  /** When it was settled for good (what archives, which take closed cases, select by); absent while open. */
  endedAt?: string;
  /** What a reviewer reads first, one fact a line. */
  lines: string[];
  timeline: Array<{ at: string; what: string }>;
  decisions: Array<{
    kind: string;
    at: string;
    by?: string;
    reason?: string;
    outcome: string;
    failure?: string;
    signatureValid?: boolean;
  }>;
  enforcement: EnforcementFacts;
  controls: MappedControl[];
}

/** A decision's outcome as a reviewer reads it in a trail: `refused: <why>`, `failed: <why>`, or the bare outcome. */
export const decisionOutcome = (d: { outcome: string; failure?: string }): string =>
  d.failure ? `${d.outcome}: ${d.failure}` : d.outcome;

/** The facts every protected decision logs: action, identity, target, approvers, refusals, policy decision. */
export interface EnforcementFacts {
  action: string;
  identity: string;
  target: string[];
  approvers: string[];
  refusedBy: string[];
  policyDecision: string;
  controls: string[];
}

/** A case's report parts before its history fills them in: no lines, timeline, approvers or controls yet. */
export function blankCaseParts(
  action: string,
  identity: string,
): Pick<CaseSummary, 'lines' | 'timeline' | 'enforcement' | 'controls'> {
  return {
    lines: [],
    timeline: [],
    enforcement: {
      action,
      identity,
      target: [],
      approvers: [],
      refusedBy: [],
      policyDecision: '',
      controls: [],
    },
    controls: [],
  };
}
