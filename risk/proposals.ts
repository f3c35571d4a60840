// When an action may be proposed (again) for an identity. Each proposal is one remediation workflow with its own
// id (an epoch). A proposal that ended without acting (rejected, expired, failed, refused) is made again only
// after new risk moved the score across the rule's threshold — the rule stopped firing at some assessment, then
// fired again — and no sooner than the policy's cool-down after it ended. Two things open the gate at once instead:
// a refusal that depended on configuration (an unconfigured account, a team action not registered or without a
// worker), once the identity is assessed under another configuration hash — the cause may be fixed, and waiting
// for new risk and a cool-down would keep a live risk unremediated; and a person's signed retry
// (`nhi remediation retry`). Pure: time is passed in.

/** How a proposal ended, as the remediation workflow reports it to its identity. */
export type ProposalEnd =
  | 'executed'
  | 'rejected'
  | 'expired'
  | 'failed'
  | 'refused'
  | 'noop'
  | 'not-applicable'
  /** Cancelled while awaiting approval: every finding that triggered it was closed (resolved or passed). */
  | 'cancelled'
  /** Executed, then undone by a person's signed rollback: proposed again while the risk stays. */
  | 'rolled-back';

/** Why an end that is not re-proposable is final, in the words `nhi identity` shows beside the rule. */
const FINAL_BECAUSE: Partial<Record<ProposalEnd, string>> = {
  executed: 'it is done (only a signed rollback re-arms it)',
  noop: 'there was nothing to change',
  'not-applicable': 'the action does not apply to this identity',
};

/** Ends after which the action may be proposed again (on new risk, after the cool-down). */
export const REPROPOSABLE: readonly ProposalEnd[] = [
  'rejected',
  'expired',
  'failed',
  'refused',
  'cancelled',
  'rolled-back',
];

/**
 * Why a proposal ended, when that matters for proposing it again: `configuration` — refused or failed because of
 * how the deployment is configured (an account not in the policy, a team action not registered, no worker on its
 * queue), so a configuration change may fix it.
 */
export type EndCause = 'configuration';

/** A person's signed retry of an ended proposal (`nhi remediation retry`): the next time its rule fires, it is proposed again. */
export interface RetryMark {
  by: string;
  reason: string;
  at: string;
  /** 1 for the first retry of this proposal, 2 for the next… (what the signature is bound to). */
  round: number;
}

export interface ProposalRecord {
  action: string;
  /** Absent in records from before epochs: 0. */
  epoch?: number;
  /** Observe-mode plans are not proposals: they never block or number the real ones. */
  observe?: boolean;
  ended?: { status: ProposalEnd; at: string; cause?: EndCause };
  /** Set when, after it ended, an assessment found the rule not firing: the next crossing is new risk. */
  rearmedAt?: string;
  /** The configuration (policy file and registered team actions) it was proposed under (absent in older records). */
  configHash?: string;
  retry?: RetryMark;
}

export type ProposalGate =
  | { open: true; epoch: number }
  | { open: false; reason: string /** The cool-down ends then: assess again. */; retryAt?: string };

/** The latest real proposal of an action, if any. */
export function latestProposal<T extends ProposalRecord>(
  records: readonly T[],
  action: string,
): T | undefined {
  let latest: T | undefined;
  for (const r of records) {
    if (r.action !== action || r.observe) continue;
    if (!latest || (r.epoch ?? 0) >= (latest.epoch ?? 0)) latest = r;
  }
  return latest;
}

/**
 * Whether an ended proposal no longer blocks a new one, whatever the cool-down: a signed retry, or a refusal that
 * depended on configuration made under another configuration than `configHash` (the one in force now). A
 * proposal without a recorded hash (older records), or no current hash, keeps the ordinary gate.
 */
export function reopenedBy(latest: ProposalRecord, configHash: string | undefined): string | undefined {
  if (!latest.ended) return undefined;
  if (latest.retry) return `retried by ${latest.retry.by}: ${latest.retry.reason}`;
  if (latest.ended.cause !== 'configuration' || !latest.configHash || !configHash) return undefined;
  return latest.configHash === configHash
    ? undefined
    : `${latest.ended.status} because of configuration under ${latest.configHash}; configuration is now ${configHash}`;
}

/** Whether `action` may be proposed now, and under which epoch (`configHash`: the configuration in force now). */
export function proposalGate(
  records: readonly ProposalRecord[],
  action: string,
  now: string,
  cooldownMinutes: number,
  configHash?: string,
): ProposalGate {
  const latest = latestProposal(records, action);
  if (!latest) return { open: true, epoch: 0 };
  const epoch = latest.epoch ?? 0;
  if (!latest.ended)
    return { open: false, reason: `${action} already proposed (epoch ${epoch}) and not ended` };
  if (reopenedBy(latest, configHash)) return { open: true, epoch: epoch + 1 };
  const { status, at } = latest.ended;
  if (!REPROPOSABLE.includes(status))
    return {
      open: false,
      reason: `${action} ${status} at ${at} (epoch ${epoch}); not proposed again because ${FINAL_BECAUSE[status] ?? 'it is final'}`,
    };
  if (!latest.rearmedAt) {
    return {
      open: false,
      reason: `${action} ${status} at ${at} (epoch ${epoch}); proposed again only when new risk crosses the threshold`,
    };
  }
  const until = Date.parse(at) + cooldownMinutes * 60_000;
  if (Date.parse(now) < until) {
    const retryAt = new Date(until).toISOString();
    return { open: false, reason: `${action} ${status} at ${at}; cool-down until ${retryAt}`, retryAt };
  }
  return { open: true, epoch: epoch + 1 };
}

/**
 * After an assessment: each ended, re-proposable proposal whose rule did not fire this time is re-armed (the score
 * fell below the threshold, or the finding kinds it needs are gone). Returns the re-armed records.
 */
export function rearm<T extends ProposalRecord>(
  records: T[],
  firedActions: ReadonlySet<string>,
  now: string,
): T[] {
  const rearmed: T[] = [];
  const actions = new Set(records.filter((r) => !r.observe).map((r) => r.action));
  for (const action of actions) {
    const latest = latestProposal(records, action);
    if (!latest?.ended || latest.rearmedAt || firedActions.has(action)) continue;
    if (!REPROPOSABLE.includes(latest.ended.status)) continue;
    latest.rearmedAt = now;
    rearmed.push(latest);
  }
  return rearmed;
}

/** Observe-mode plans: one per crossing (a new one only after the rule stopped firing), numbered per action. */
export function observationGate(
  records: readonly ProposalRecord[],
  action: string,
): { open: true; n: number } | { open: false; reason: string } {
  const observed = records.filter((r) => r.action === action && r.observe);
  const latest = observed.at(-1);
  if (latest && !latest.rearmedAt) {
    return {
      open: false,
      reason: `${action} already observed (plan ${observed.length - 1}); nothing acts in observe mode`,
    };
  }
  return { open: true, n: observed.length };
}

/** Observations re-arm like proposals: when their rule does not fire. */
export function rearmObservations<T extends ProposalRecord>(
  records: T[],
  firedActions: ReadonlySet<string>,
  now: string,
): void {
  for (const r of records) if (r.observe && !r.rearmedAt && !firedActions.has(r.action)) r.rearmedAt = now;
}
