// Who may decide, and when a request is decided: pure rules over a request's directory snapshot, shared by the
// workflow's decision handler and tests. Deterministic (signature checks are pure JS), so they run in workflows.
import {
  directoryRefusal,
  type Freshness,
  freshnessRefusal,
  personEntry,
  unknownPersonRefusal,
} from '../../schemas/decision-check.ts';
import { canonicalPerson } from '../../schemas/directory.ts';
import type { Approval } from '../../schemas/policy.ts';
import { type SignedDecision, verifyDecision } from '../../schemas/signed-decision.ts';
import {
  type ApprovalRequest,
  type Decision,
  type DecisionAttempt,
  MAX_ATTEMPTS,
  type RemediationState,
} from './definitions.ts';

export interface GateView {
  status: RemediationState['status'];
  request?: ApprovalRequest;
  approval: Pick<Approval, 'groups'>;
  pausedBy?: RemediationState['pausedBy'];
  /** The identity's owners (tag value, owning user, the identity itself): never decide their own case. */
  owners: readonly string[];
  requester?: string;
  /** Accepted decisions of the current round. */
  decided: readonly Decision[];
  /** What is decided on, for refusals: `remediation` (default) or `access grant`. */
  subject?: string;
  /** Since signed decisions v2: the workflow's time and the nonces it accepted (absent on older code paths). */
  fresh?: Freshness;
}

const isText = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

/** Why this attempt does not count (one line), or undefined when it does. */
export function decisionRefusal(view: GateView, input: unknown): string | undefined {
  const d = input as Partial<SignedDecision> | null;
  if (typeof d !== 'object' || d === null || !isText(d.person) || !isText(d.signature))
    return 'a decision must be signed by a person (nhi approve|reject ID --as WHO --reason R)';
  if (d.decision !== 'approve' && d.decision !== 'reject')
    return `'${String(d.decision)}' is not a decision (approve or reject)`;
  if (!isText(d.reason)) return 'a decision must give a reason (--reason R)';
  const closed = closedReason(view);
  if (closed) return closed;
  const request = view.request!;
  const pinned = view.fresh && directoryRefusal(request.directory);
  if (pinned) return pinned;
  const person = canonicalPerson(d.person);
  const entry = personEntry(request.directory, person);
  if (!entry) return unknownPersonRefusal(person, request.directory);
  if (!verifyDecision(d as SignedDecision, entry.keys))
    return `bad signature: no key of ${person} in the directory verifies this decision`;
  if (d.workflowId !== request.workflowId || d.runId !== request.runId)
    return `signed for another request (${String(d.workflowId)} run ${String(d.runId)})`;
  if (d.planHash !== request.planHash)
    return `stale plan hash ${String(d.planHash).slice(0, 12)}: the current plan is ${request.planHash.slice(0, 12)} (fetch the request again)`;
  const stale = view.fresh && freshnessRefusal(d, request.directory, view.fresh);
  if (stale) return stale;
  const allowed = allowedGroups(view);
  if (!entry.groups.some((g) => allowed.includes(g)))
    return `${person} is in none of the groups this rule names (${allowed.join(', ')})`;
  const owner = view.owners.find((o) => sameOrMember(person, entry.groups, o));
  const subject = view.subject ?? 'remediation';
  if (owner) return `${person} is the identity's owner (${owner}) and cannot decide on its ${subject}`;
  if (view.requester && sameOrMember(person, [], view.requester))
    return `${person} requested this ${subject} and cannot decide on it`;
  const earlier = view.decided.find((x) => x.by === person);
  if (earlier) return `${person} has already decided on this request (${earlier.decision})`;
  return undefined;
}

function closedReason(view: GateView): string | undefined {
  switch (view.status) {
    case 'awaiting-approval':
      return view.request ? undefined : 'the request is not open yet';
    case 'planning':
      return 'the request is not open yet (planning)';
    case 'paused':
      return `the request is paused by exception ${view.pausedBy?.exceptionId ?? '?'}${view.pausedBy?.until ? ` until ${view.pausedBy.until}` : ''}`;
    case 'expired':
      return `the request expired at ${view.request?.deadline ?? '?'}: nothing was done`;
    case 'acting':
    case 'executed':
    case 'failed':
      return `the request was already decided (approved; ${view.status})`;
    case 'rejected':
      return 'the request was already decided (rejected)';
    case 'cancelled':
      return 'the request was cancelled (the findings it was started on were closed): nothing was done';
    default:
      return `the request is ${view.status}, not awaiting a decision`;
  }
}

/** A person is an owner when the owner names them, or names a group (team) they belong to. */
const sameOrMember = (person: string, groups: readonly string[], owner: string) => {
  const o = canonicalPerson(owner);
  return o === person || groups.includes(o);
};

export function allowedGroups(view: Pick<GateView, 'approval' | 'request'>): string[] {
  const groups = Object.keys(view.approval.groups);
  const escalated = view.request?.escalatedTo;
  return escalated && !groups.includes(escalated) ? [...groups, escalated] : groups;
}

/**
 * How many more people each group still needs: {} when the quorum is met. Each person counts for one group only
 * (the assignment that fills most slots), so 2 of security AND 1 of platform needs three different people.
 */
export function quorumMissing(
  groups: Readonly<Record<string, number>>,
  people: ReadonlyArray<{ groups: readonly string[] }>,
): Record<string, number> {
  const slots = Object.entries(groups).flatMap(([g, n]) => Array.from({ length: n }, () => g));
  const holder: Array<number | undefined> = slots.map(() => undefined);
  const assign = (p: number, seen: boolean[]): boolean => {
    for (let s = 0; s < slots.length; s++) {
      if (seen[s] || !people[p]!.groups.includes(slots[s]!)) continue;
      seen[s] = true;
      const other = holder[s];
      if (other === undefined || assign(other, seen)) {
        holder[s] = p;
        return true;
      }
    }
    return false;
  };
  for (let p = 0; p < people.length; p++) assign(p, new Array<boolean>(slots.length).fill(false));
  const missing: Record<string, number> = {};
  slots.forEach((g, s) => {
    if (holder[s] === undefined) missing[g] = (missing[g] ?? 0) + 1;
  });
  return missing;
}

const groupsOf = (request: ApprovalRequest, decisions: readonly Decision[]) =>
  decisions.map((d) => ({ groups: personEntry(request.directory, d.by)?.groups ?? [] }));

/** What approvals are still missing; {} when approved (the escalation group's one approval also suffices). */
export function approvalsMissing(
  approval: Pick<Approval, 'groups'>,
  request: ApprovalRequest,
  approvals: readonly Decision[],
): Record<string, number> {
  const people = groupsOf(request, approvals);
  const escalated = request.escalatedTo;
  if (escalated && people.some((p) => p.groups.includes(escalated))) return {};
  return quorumMissing(approval.groups, people);
}

/** Rejected: by one member of an approving group (`any`), or by a quorum of rejections (`quorum`). */
export function isRejected(
  approval: Pick<Approval, 'groups' | 'reject'>,
  request: ApprovalRequest,
  rejections: readonly Decision[],
): boolean {
  if (rejections.length === 0) return false;
  if (approval.reject !== 'quorum') return true;
  return Object.keys(quorumMissing(approval.groups, groupsOf(request, rejections))).length === 0;
}

/** What a signed decision is recorded on: the open request, every attempt, the counted approvals and rejections. */
export interface DecisionLedger {
  request?: ApprovalRequest;
  attempts: DecisionAttempt[];
  approvals: Decision[];
  rejections: Decision[];
}

/**
 * Records one decision attempt (refused ones too, the newest MAX_ATTEMPTS kept) and, when it counts, the decision
 * itself; answers who decided, in which round, and which groups still miss approvals then. Shared by remediations and access requests.
 */
export function recordDecision(
  ledger: DecisionLedger,
  decision: SignedDecision,
  refusal: string | undefined,
  approval: Pick<Approval, 'groups'>,
  at: string,
): { by: string; round: number; missing?: Record<string, number> } {
  const by = typeof decision?.person === 'string' ? canonicalPerson(decision.person) : '?';
  const round = ledger.request?.round ?? 0;
  ledger.attempts.push({
    by,
    decision: String(decision?.decision),
    at,
    round,
    accepted: !refusal,
    ...(refusal ? { refusal } : {}),
  });
  if (ledger.attempts.length > MAX_ATTEMPTS) ledger.attempts.splice(0, ledger.attempts.length - MAX_ATTEMPTS);
  if (refusal) return { by, round };
  const accepted: Decision = {
    by,
    decision: decision.decision,
    reason: decision.reason.trim(),
    at,
    signedAt: decision.time,
    signature: decision.signature,
    round,
    ...(ledger.request?.directory.hash ? { directoryHash: ledger.request.directory.hash } : {}),
  };
  (decision.decision === 'approve' ? ledger.approvals : ledger.rejections).push(accepted);
  return { by, round, missing: approvalsMissing(approval, ledger.request!, ledger.approvals) };
}
