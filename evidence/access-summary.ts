// One access request's evidence, read from its history alone: what was asked (action, identity, requester, reason,
// ticket, duration), the policy decision at the moment of the request (each check, or the refusal), who approved,
// the grant (role, session, expiry, session-policy hash; never a credential), uses CloudTrail saw, and how it ended
// (expired, revoked by whom and why). Read from the events the workflow recorded (each a scheduled
// publishEnforcementEvent, so in the history even when Kafka was down) and the workflow's own input.
// A case of the generic evidence framework (case-kinds.ts): the report and verify read it as any CaseSummary.
import { accessWorkflowId } from '../schemas/access.ts';
import type { RefusedMessage } from '../schemas/refused-message.ts';
import { ACCESS_WORKFLOW_TYPE } from '../workflows/access/definitions.ts';
import { blankCaseParts, type CaseSummary } from './case-summary.ts';
import { type AccessControlFacts, accessControls } from './controls.ts';
import { refusalsIn } from './refusals.ts';
import type { RunEvents } from './summary.ts';

export { ACCESS_WORKFLOW_TYPE };

export interface AccessSummary extends CaseSummary {
  kind: 'access';
  grantId?: string;
  requester?: string;
  reason?: string;
  ticket?: string;
  duration?: string;
  /** The role the credentials act as. */
  target?: string;
  /** The decision at the moment of the request: granted checks, or the one-line refusal. */
  policyDecision: { refused?: string; checks?: Record<string, unknown>; policyHash?: string };
  approvers: string[];
  refusedDecisions: Array<{ by?: string; refusal?: string }>;
  grant?: {
    sessionName?: string;
    expiresAt?: string;
    durationSeconds?: number;
    policyHash?: string;
    sessionPolicy?: string;
  };
  uses: Array<{ at?: string; api?: string; findingId?: string }>;
  /** expired, revoked, refused, rejected, timed out, failed; or still live/awaiting. */
  outcome: string;
  revocation?: { by?: string; reason?: string; at?: string; findingId?: string };
  /** Messages the workflow refused (a forged revocation or use, an unsigned request): who claimed what, and why. */
  refusedMessages?: RefusedMessage[];
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** One case per access workflow (its run chain): registered in case-kinds.ts. */
export function deriveAccessSummaries(runs: RunEvents[]): AccessSummary[] {
  const started = runs[0]?.events.find((e) => e.type === 'WorkflowExecutionStarted');
  if (!started) throw new Error('history has no WorkflowExecutionStarted event');
  const grantId = str(obj(first(started.attrs.input)).grantId);
  return [deriveAccessSummary(grantId ? accessWorkflowId(grantId) : '?', runs, started.time)];
}

const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : undefined);

function deriveAccessSummary(workflowId: string, runs: RunEvents[], startedAt: string): AccessSummary {
  const events: Array<{ type: string; detail: Obj; at: string }> = [];
  let input: Obj = {};
  for (const run of runs)
    for (const e of run.events) {
      if (e.type === 'WorkflowExecutionStarted' && Array.isArray(e.attrs.input))
        input = obj(e.attrs.input[0]);
      if (e.type !== 'ActivityTaskScheduled') continue;
      if (str(obj(e.attrs.activityType).name) !== 'publishEnforcementEvent') continue;
      const event = obj(Array.isArray(e.attrs.input) ? e.attrs.input[0] : undefined);
      if (str(event.type)?.startsWith('access.'))
        events.push({ type: str(event.type)!, detail: obj(event.detail), at: e.time });
    }
  const terms = obj(input.terms);
  const refusedMessages = refusalsIn(runs);
  const find = (type: string) => events.find((e) => e.type === type);
  const requested = find('access.requested');
  const refused = find('access.refused');
  const granted = find('access.granted');
  const revoked = find('access.revoked');
  const approved = find('access.approved');
  const ends: Array<[string, string]> = [
    ['access.revoked', 'revoked'],
    ['access.expired', 'expired'],
    ['access.refused', 'refused'],
    ['access.failed', 'failed'],
  ];
  const rejected = find('access.rejected');
  const ended = ends.find(([type]) => find(type));
  const outcome =
    ended?.[1] ??
    (rejected ? (rejected.detail.timedOut ? 'timed out' : 'rejected') : granted ? 'live' : 'awaiting');
  const endEvent = ended ? find(ended[0]) : rejected;
  const approvers = (Array.isArray(approved?.detail.approvers) ? approved.detail.approvers : [])
    .map((a) => str(obj(a).by))
    .filter((b): b is string => !!b);
  const action = str(terms.action) ?? '?';
  const identityKey = str(terms.identityKey) ?? '?';
  const target = str((granted ?? requested)?.detail.target);
  const requester = str(requested?.detail.requester);
  const refusals = events.filter((e) => e.type === 'access.decision' && e.detail.accepted === false);
  const rejections = (Array.isArray(rejected?.detail.rejections) ? rejected.detail.rejections : [])
    .map((r) => str(obj(r).by))
    .filter((b): b is string => !!b);
  const checks = obj(requested?.detail.checks);
  const policyHash = str(checks.policyHash);
  const summary: AccessSummary = {
    kind: 'access',
    id: workflowId,
    workflowId,
    runIds: runs.map((r) => r.runId),
    status: outcome,
    identity: { key: identityKey },
    action,
    openedAt: requested?.at ?? startedAt,
    ...(endEvent ? { endedAt: endEvent.at } : {}),
    ...(str(input.grantId) ? { grantId: str(input.grantId) } : {}),
    ...(requester ? { requester } : {}),
    ...(str(terms.reason) ? { reason: str(terms.reason) } : {}),
    ...(str(terms.ticket) ? { ticket: str(terms.ticket) } : {}),
    ...(str(terms.duration) ? { duration: str(terms.duration) } : {}),
    ...(target ? { target } : {}),
    policyDecision: {
      ...(refused ? { refused: str(refused.detail.reason) } : {}),
      ...(requested ? { checks } : {}),
      ...(policyHash ? { policyHash } : {}),
    },
    approvers,
    refusedDecisions: refusals.map((e) => ({ by: str(e.detail.by), refusal: str(e.detail.refusal) })),
    ...(granted
      ? {
          grant: {
            sessionName: str(granted.detail.sessionName),
            expiresAt: str(granted.detail.expiresAt),
            durationSeconds: Number(granted.detail.durationSeconds) || undefined,
            policyHash: str(granted.detail.policyHash),
            sessionPolicy: str(granted.detail.sessionPolicy),
          },
        }
      : {}),
    uses: events
      .filter((e) => e.type === 'access.used')
      .map((e) => ({ at: str(e.detail.at), api: str(e.detail.api), findingId: str(e.detail.findingId) })),
    outcome,
    ...(revoked
      ? {
          revocation: {
            by: str(revoked.detail.by),
            reason: str(revoked.detail.reason),
            at: revoked.at,
            findingId: str(revoked.detail.findingId),
          },
        }
      : {}),
    ...(refusedMessages.length ? { refusedMessages } : {}),
    decisions: [],
    ...blankCaseParts('', identityKey),
  };
  const facts: AccessControlFacts = {
    granted: !!granted,
    approved: approvers.length > 0,
    refused: outcome === 'refused' || outcome === 'rejected',
    revokedOnRisk: !!revoked?.detail.findingId,
    revoked: !!revoked,
  };
  summary.controls = accessControls(facts);
  finish(summary, events, rejections);
  return summary;
}

/** The access workflow's decision words, as the shared case decision kinds. */
const DECISION_KINDS: Record<string, string> = {
  approve: 'approval',
  reject: 'refusal',
  revoke: 'revocation',
};

const CHECK_FACTS = (checks: Record<string, unknown>) =>
  Object.entries(checks)
    .filter(([k]) => k !== 'policyHash')
    .map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(', ');

/** The parts every case summary shares (what the report and verify read), from what was read above. */
function finish(
  s: AccessSummary,
  events: Array<{ type: string; detail: Obj; at: string }>,
  rejectedBy: string[],
): void {
  const p = s.policyDecision;
  const policyDecision = p.refused
    ? `refused at the request: ${p.refused}`
    : `allowed at the request${p.checks ? ` (${CHECK_FACTS(p.checks)})` : ''}`;
  s.enforcement = {
    action: `access: ${s.action}${s.duration ? ` for ${s.duration}` : ''}`,
    identity: s.identity.key,
    target: s.target ? [s.target] : [],
    approvers: s.approvers,
    refusedBy: [...new Set([...s.refusedDecisions.map((d) => d.by ?? '?'), ...rejectedBy])],
    policyDecision: `${policyDecision}${p.policyHash ? `; policy sha256 ${p.policyHash}` : ''}`,
    controls: s.controls.map((c) => c.id),
  };
  s.decisions = [
    ...(s.requester
      ? [
          {
            kind: 'request',
            at: s.openedAt,
            by: s.requester,
            ...(s.reason ? { reason: s.reason } : {}),
            outcome: p.refused ? 'refused' : 'accepted',
            ...(p.refused ? { failure: p.refused } : {}),
          },
        ]
      : []),
    ...events
      .filter((e) => e.type === 'access.decision' && typeof e.detail.by === 'string')
      .map((e) => ({
        kind: DECISION_KINDS[str(e.detail.decision) ?? ''] ?? 'decision',
        at: e.at,
        by: str(e.detail.by),
        ...(str(e.detail.reason) ? { reason: str(e.detail.reason) } : {}),
        outcome: e.detail.accepted === false ? 'refused' : 'accepted',
        ...(str(e.detail.refusal) ? { failure: str(e.detail.refusal) } : {}),
      })),
    ...(s.revocation
      ? [
          {
            kind: 'revocation',
            at: s.revocation.at ?? '?',
            ...(s.revocation.by ? { by: s.revocation.by } : {}),
            ...(s.revocation.reason ? { reason: s.revocation.reason } : {}),
            outcome: 'accepted',
          },
        ]
      : []),
  ].sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0));
  const g = s.grant;
  s.lines = [
    `Access ${s.grantId ?? s.id}: ${s.action} for ${s.identity.key}${s.target ? ` as ${s.target}` : ''}${s.duration ? `, ${s.duration}` : ''}${s.ticket ? `, ticket ${s.ticket}` : ''}; status ${s.status}.`,
    `Requested by ${s.requester ?? '(unknown)'} at ${s.openedAt}${s.reason ? ` (${s.reason})` : ''}.`,
    `Approved by: ${s.approvers.join(', ') || '(nobody)'}. Refused: ${
      s.refusedDecisions.map((d) => `${d.by ?? '?'} (${d.refusal ?? 'refused'})`).join('; ') || '(none)'
    }${rejectedBy.length ? `. Rejected by: ${rejectedBy.join(', ')}` : ''}.`,
    ...(g
      ? [
          `Granted session ${g.sessionName ?? '?'}${g.durationSeconds ? ` for ${g.durationSeconds}s` : ''}, expires ${g.expiresAt ?? '?'}${g.policyHash ? `; session policy sha256 ${g.policyHash}` : ''}.`,
        ]
      : []),
    ...s.uses.map(
      (u) => `Used: ${u.api ?? '?'} at ${u.at ?? '?'}${u.findingId ? ` (finding ${u.findingId})` : ''}.`,
    ),
    ...(s.revocation
      ? [
          `Revoked by ${s.revocation.by ?? '?'} at ${s.revocation.at ?? '?'}${s.revocation.reason ? ` (${s.revocation.reason})` : ''}${s.revocation.findingId ? ` on finding ${s.revocation.findingId}` : ''}.`,
        ]
      : s.endedAt
        ? [`Ended (${s.status}) at ${s.endedAt}.`]
        : []),
    ...(s.refusedMessages ?? []).map(
      (r) =>
        `Refused message: ${r.message} at ${r.at}, claimed by ${r.claimedBy ?? 'nobody named'}: ${r.reason}.`,
    ),
  ];
  s.timeline = events.map((e) => ({
    at: e.at,
    what: `${e.type.replace(/^access\./, '')}${str(e.detail.decision) ? ` ${str(e.detail.decision)}` : ''}${
      str(e.detail.by) ? ` by ${str(e.detail.by)}` : ''
    }${
      e.type !== 'access.decision' || !str(e.detail.by)
        ? ''
        : e.detail.accepted === false
          ? `: refused (${str(e.detail.refusal) ?? '?'})`
          : ': accepted'
    }`,
  }));
}
