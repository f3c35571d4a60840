// The risk bar of just-in-time access: what refuses a new request is what revokes a live grant, so the two cannot
// drift. An open compromise-indicator finding of any severity (a tool's sample or test finding excepted), or the
// identity's assessed risk score at or above the action's `riskCeiling`. Pure: the access request workflow
// (workflows/access/access-rules.ts), the context activity and the identity workflow (its live grants) use it.

/** The fields of a finding the bar reads (a canonical finding or an identity record's finding). */
export interface BarFinding {
  status: string;
  kind: string;
  /** The tool marked it a sample or test finding: never a bar. */
  sample?: boolean;
}

/** An open compromise-indicator finding, of any severity, that is not a tool's sample. */
export const barsAccess = (f: BarFinding): boolean =>
  f.status === 'open' && f.kind === 'compromise-indicator' && f.sample !== true;

export interface RiskBarInput {
  /** The identity the access is for. */
  key: string;
  /** Its open compromise findings that bar access (`barsAccess`), oldest first. */
  compromise: ReadonlyArray<{ id: string; title: string }>;
  /** Its assessed risk score, when known. */
  score?: number;
  /** The action's ceiling, when known (grants noted before the ceiling was recorded have none). */
  ceiling?: number;
  /** The action's name, for the reason. */
  action?: string;
}

export interface RiskBar {
  cause: 'compromise' | 'risk-score';
  reason: string;
  findingId?: string;
}

/** Whether the identity is at or over the bar: a compromise finding first, then the score against the ceiling. */
export function accessRiskBar(input: RiskBarInput): RiskBar | undefined {
  const compromise = input.compromise[0];
  if (compromise)
    return {
      cause: 'compromise',
      reason: `${input.key} has an open compromise finding (${compromise.title}; ${compromise.id})`,
      findingId: compromise.id,
    };
  if (input.score !== undefined && input.ceiling !== undefined && input.score >= input.ceiling)
    return {
      cause: 'risk-score',
      reason: `${input.key} has risk score ${input.score}, at or above ${input.action ?? 'the action'}'s ceiling of ${input.ceiling}`,
    };
  return undefined;
}
