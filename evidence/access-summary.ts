// One access request's evidence, read from its history alone: what was asked (action, identity, requester, reason,
// ticket, duration), the policy decision at the moment of the request (each check, or the refusal), who approved,
// the grant (role, session, expiry, session-policy hash; never a credential), uses CloudTrail saw, and how it ended
// (expired, revoked by whom and why). Read from the events the workflow recorded (each a scheduled
// publishEnforcementEvent, so in the history even when Kafka was down) and the workflow's own input.
import { type AccessControlFacts, accessControls, type MappedControl } from './controls.ts';
import type { RunEvents } from './summary.ts';

export const ACCESS_WORKFLOW_TYPE = 'accessRequestWorkflow';

export interface AccessSummary {
  kind: 'access';
  workflowId: string;
  grantId?: string;
  action?: string;
  identity?: string;
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
  controls: MappedControl[];
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function deriveAccessSummary(workflowId: string, runs: RunEvents[]): AccessSummary {
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
  const outcome =
    ends.find(([type]) => find(type))?.[1] ??
    (rejected ? (rejected.detail.timedOut ? 'timed out' : 'rejected') : granted ? 'live' : 'awaiting');
  const approvers = (Array.isArray(approved?.detail.approvers) ? approved.detail.approvers : [])
    .map((a) => str(obj(a).by))
    .filter((b): b is string => !!b);
  const summary: AccessSummary = {
    kind: 'access',
    workflowId,
    ...(str(input.grantId) ? { grantId: str(input.grantId) } : {}),
    ...(str(terms.action) ? { action: str(terms.action) } : {}),
    ...(str(terms.identityKey) ? { identity: str(terms.identityKey) } : {}),
    ...(str(requested?.detail.requester) ? { requester: str(requested?.detail.requester) } : {}),
    ...(str(terms.reason) ? { reason: str(terms.reason) } : {}),
    ...(str(terms.ticket) ? { ticket: str(terms.ticket) } : {}),
    ...(str(terms.duration) ? { duration: str(terms.duration) } : {}),
    ...(str((granted ?? requested)?.detail.target)
      ? { target: str((granted ?? requested)?.detail.target) }
      : {}),
    policyDecision: {
      ...(refused ? { refused: str(refused.detail.reason) } : {}),
      ...(requested ? { checks: obj(requested.detail.checks) } : {}),
      ...(str(obj(requested?.detail.checks).policyHash)
        ? { policyHash: str(obj(requested?.detail.checks).policyHash) }
        : {}),
    },
    approvers,
    refusedDecisions: events
      .filter((e) => e.type === 'access.decision' && e.detail.accepted === false)
      .map((e) => ({ by: str(e.detail.by), refusal: str(e.detail.refusal) })),
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
    controls: [],
  };
  const facts: AccessControlFacts = {
    granted: !!granted,
    approved: approvers.length > 0,
    refused: outcome === 'refused' || outcome === 'rejected',
    revokedOnRisk: !!revoked?.detail.findingId,
    revoked: !!revoked,
  };
  summary.controls = accessControls(facts);
  return summary;
}
