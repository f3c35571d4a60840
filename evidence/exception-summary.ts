// Exception requests as evidence: each one an identity workflow recorded (`nhi except request|approve|reject|
// revoke`), summarised from that workflow's history alone — who asked for what and why, every signed decision on
// it (counted or refused, and whether its signature verifies against the directory snapshot the workflow checked it
// with), the policy terms it was held to, the grant, its expiry or revocation, and the controls it serves. Pure, so
// export and verify derive it the same way.
import { canonicalPerson } from '../schemas/directory.ts';
import { type SignedDecision, verifyDecision } from '../schemas/signed-decision.ts';
import { exceptionTermsHash } from '../workflows/identity/exception-rules.ts';
import { canonicalSha256 } from './canonical.ts';
import { blankCaseParts, type CaseSummary } from './case-summary.ts';
import { controlsFor, type MappedControl } from './controls.ts';
import type { RunEvents } from './summary.ts';

export interface ExceptionDecisionRecord {
  kind: 'request' | 'approval' | 'refusal' | 'revocation';
  at: string;
  by: string;
  reason?: string;
  /** `refused`: the workflow recorded the attempt and did not count it (why: `failure`). */
  outcome: 'accepted' | 'refused' | 'failed' | 'pending';
  failure?: string;
  /** Checked again here against the directory snapshot the workflow checked it with. */
  signatureValid?: boolean;
  /** The signed decision as recorded (signature, terms hash, time…). */
  signed: Record<string, unknown>;
}

export interface ExceptionSummary extends CaseSummary {
  kind: 'exception';
  /** The request's own id in its identity workflow (`exc-3`), absent for a request refused at once. */
  requestId?: string;
  action: string;
  /** Duration asked for, from approval (`7d`). */
  for: string;
  ticket?: string;
  /** SHA-256 of the terms every signature covers (identity, action, duration, ticket), computed again here. */
  termsHash: string;
  requestedBy: string;
  reason?: string;
  /** open, refused (never opened), granted, rejected, expired (undecided in time), revoked, ended (ran out). */
  status: 'open' | 'refused' | 'granted' | 'rejected' | 'expired' | 'revoked' | 'ended';
  refusal?: string;
  /** The policy's exception terms the request was checked against, and their hash. */
  policy?: { exceptions: unknown; ruleActions: unknown; sha256: string };
  decisions: ExceptionDecisionRecord[];
  approvedBy?: string;
  rejectedBy?: string;
  grantedAt?: string;
  expiresAt?: string;
  revoked?: { by: string; reason?: string; at: string };
  events: Array<{ type: string; at: string }>;
  controls: MappedControl[];
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : undefined);
const clean = <T extends Obj>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

const UPDATES = new Set(['requestException', 'decideException', 'revokeException']);

interface Update {
  name: string;
  at: string;
  input: Obj;
  answer?: Obj;
  failure?: string;
  /** The `exceptionContext` result the workflow loaded for it (request and revoke wait for one). */
  context?: Obj;
}

interface Read {
  updates: Update[];
  /** `exception.*` events published, with the public id (`exc-1@key`) they name. */
  events: Array<{ type: string; at: string; detail: Obj }>;
}

/** The exception updates of an identity run chain, each with its answer and the context loaded after it. */
function read(runs: RunEvents[]): Read {
  const updates: Update[] = [];
  const events: Read['events'] = [];
  for (const run of runs) {
    const byId = new Map<string, Update>();
    const scheduled = new Map<number, string>();
    const waiting: Update[] = [];
    // A context load serves the handlers that were waiting when it was scheduled (a later one asks again).
    const serves = new Map<number, Update[]>();
    for (const e of run.events) {
      const a = e.attrs;
      if (e.type === 'WorkflowExecutionUpdateAccepted') {
        const request = obj(a.acceptedRequest);
        const input = obj(request.input);
        const name = str(input.name);
        if (!name || !UPDATES.has(name)) continue;
        const u: Update = { name, at: e.time, input: obj(first(input.args)) };
        const id = str(obj(request.meta).updateId) ?? str(a.protocolInstanceId);
        if (id) byId.set(id, u);
        updates.push(u);
        if (name !== 'decideException') waiting.push(u);
      } else if (e.type === 'WorkflowExecutionUpdateCompleted') {
        const u = byId.get(str(obj(a.meta).updateId) ?? '');
        if (!u) continue;
        const outcome = obj(a.outcome);
        if (outcome.failure) u.failure = str(obj(outcome.failure).message) ?? 'failed';
        else
          u.answer = obj(
            Array.isArray(outcome.success) ? outcome.success[0] : first(obj(outcome.success).payloads),
          );
      } else if (e.type === 'ActivityTaskScheduled') {
        const name = str(obj(a.activityType).name) ?? '';
        scheduled.set(e.id, name);
        if (name === 'exceptionContext') serves.set(e.id, waiting.splice(0));
        if (name === 'publishEnforcementEvent') {
          const event = obj(first(a.input));
          const type = str(event.type) ?? '';
          if (type.startsWith('exception.')) events.push({ type, at: e.time, detail: obj(event.detail) });
        }
      } else if (e.type === 'ActivityTaskCompleted') {
        if (scheduled.get(Number(a.scheduledEventId)) !== 'exceptionContext') continue;
        const context = obj(first(a.result));
        for (const u of serves.get(Number(a.scheduledEventId)) ?? []) u.context = context;
      }
    }
  }
  return { updates, events };
}

function signatureValid(signed: Obj, directory: Obj): boolean | undefined {
  const person = str(signed.person);
  if (!person || typeof signed.signature !== 'string') return undefined;
  const entry = obj(obj(directory.people)[canonicalPerson(person)]);
  const keys = (Array.isArray(entry.keys) ? entry.keys : [])
    .filter((k): k is string => typeof k === 'string')
    .map((k) => k.replace(/^ed25519:/, ''));
  return verifyDecision(signed as unknown as SignedDecision, keys);
}

function decisionOf(u: Update, kind: ExceptionDecisionRecord['kind'], signed: Obj, directory: Obj) {
  const accepted = u.answer?.accepted === true;
  return clean({
    kind,
    at: u.at,
    by: canonicalPerson(str(signed.person) ?? '?'),
    reason: str(signed.reason),
    outcome: u.failure ? 'failed' : !u.answer ? 'pending' : accepted ? 'accepted' : 'refused',
    failure: u.failure ?? (u.answer && !accepted ? str(u.answer.refusal) : undefined),
    signatureValid: signatureValid(signed, directory),
    signed,
  }) as ExceptionDecisionRecord;
}

const identityKeyOf = (workflowId: string) => workflowId.replace(/^identity\//, '');

/** Every exception request in an identity workflow's run chain, oldest first, by case id (`exc-1@key`). */
export function exceptionCaseIds(runs: RunEvents[]): string[] {
  return deriveExceptionSummaries(runs).map((s) => s.id);
}

export function deriveExceptionSummaries(runs: RunEvents[]): ExceptionSummary[] {
  const started = runs[0]?.events.find((e) => e.type === 'WorkflowExecutionStarted');
  if (!started) throw new Error('history has no WorkflowExecutionStarted event');
  const workflowId = str(started.attrs.workflowId) ?? '';
  const identityKey = str(obj(obj(first(started.attrs.input)).identity).key) ?? identityKeyOf(workflowId);
  const { updates, events } = read(runs);
  const out: ExceptionSummary[] = [];
  const byRequest = new Map<string, { summary: ExceptionSummary; directory: Obj }>();
  let refusedAtOnce = 0;

  for (const u of updates) {
    if (u.name === 'requestException') {
      const terms = obj(u.input.terms);
      const signed = obj(u.input.signed);
      const directory = obj(u.context?.directory);
      const request = decisionOf(u, 'request', signed, directory);
      const requestId = u.answer?.accepted === true ? str(u.answer.id) : undefined;
      const action = str(terms.action)?.trim() ?? '?';
      const duration = str(terms.for)?.trim() ?? '?';
      const ticket = str(terms.ticket);
      const summary: ExceptionSummary = clean({
        kind: 'exception' as const,
        id: `${requestId ?? `refused-${++refusedAtOnce}`}@${identityKey}`,
        requestId,
        workflowId,
        runIds: runs.map((r) => r.runId),
        identity: { key: identityKey },
        action,
        for: duration,
        ticket,
        termsHash: exceptionTermsHash({ identityKey, action, for: duration, ...(ticket ? { ticket } : {}) }),
        requestedBy: request.by,
        reason: request.reason,
        openedAt: u.at,
        // Refused when asked: settled at once.
        endedAt: requestId ? undefined : u.at,
        status: requestId ? ('open' as const) : ('refused' as const),
        refusal: requestId ? undefined : request.failure,
        policy: u.context
          ? {
              exceptions: u.context.limits,
              ruleActions: u.context.ruleActions,
              sha256: canonicalSha256({ exceptions: u.context.limits, ruleActions: u.context.ruleActions }),
            }
          : undefined,
        decisions: [request],
        events: [],
        ...blankCaseParts(action, identityKey),
      });
      out.push(summary);
      if (requestId) byRequest.set(requestId, { summary, directory });
      continue;
    }
    const signed = u.input;
    const target = byRequest.get(str(signed.runId) ?? '');
    if (!target) continue; // a decision on no request of this chain: the workflow refused it, nothing to attach
    const s = target.summary;
    if (u.name === 'decideException') {
      const kind = signed.decision === 'reject' ? 'refusal' : 'approval';
      const d = decisionOf(u, kind, signed, target.directory);
      s.decisions.push(d);
      if (d.outcome !== 'accepted') continue;
      if (kind === 'refusal') {
        s.status = 'rejected';
        s.rejectedBy = d.by;
        s.endedAt = u.at;
      } else {
        s.status = 'granted';
        s.approvedBy = d.by;
        s.grantedAt = u.at;
        s.expiresAt = str(u.answer?.expiresAt);
      }
    } else {
      const d = decisionOf(u, 'revocation', signed, obj(u.context?.directory));
      s.decisions.push(d);
      if (d.outcome !== 'accepted') continue;
      s.status = 'revoked';
      s.revoked = clean({ by: d.by, reason: d.reason, at: u.at });
      s.endedAt = u.at;
    }
  }

  for (const e of events) {
    const id = str(e.detail.id);
    const s = out.find((x) => x.id === id) ?? byRequest.get(str(e.detail.id) ?? '')?.summary;
    if (!s) continue;
    s.events.push({ type: e.type, at: e.at });
    if (e.type === 'exception.expired') {
      s.endedAt ??= e.at;
      if (s.status === 'granted') s.status = 'ended';
      else if (s.status === 'open') s.status = 'expired';
    }
  }

  for (const s of out) finish(s);
  return out;
}

/** The parts every case summary shares, from what was read above. */
function finish(s: ExceptionSummary): void {
  const counted = s.decisions.filter((d) => d.outcome === 'accepted');
  const approvals = counted.filter((d) => d.kind === 'approval');
  const refusals = counted.filter((d) => d.kind === 'refusal');
  s.controls = controlsFor({
    action: s.action,
    findingKinds: [],
    approved: approvals.length > 0,
    signed: counted.length > 0 && counted.every((d) => d.signatureValid === true),
    refused: refusals.length > 0,
    rolledBack: false,
    exception: s.status !== 'refused',
    verified: false,
    acted: false,
  });
  const limits = obj(s.policy?.exceptions);
  s.enforcement = {
    action: `exception: pause ${s.action} for ${s.for}`,
    identity: s.identity.key,
    target: [s.identity.key],
    approvers: approvals.map((d) => d.by),
    refusedBy: refusals.map((d) => d.by),
    policyDecision: `exception ${s.status}${s.refusal ? ` (${s.refusal})` : ''}${
      limits.maxDurationDays !== undefined ? `; policy allows at most ${limits.maxDurationDays} day(s)` : ''
    }${Array.isArray(limits.approvers) ? `, approved by ${limits.approvers.join(' or ')}` : ''}`,
    controls: s.controls.map((c) => c.id),
  };
  s.lines = [
    `Exception ${s.id} on ${s.identity.key}: pause ${s.action} for ${s.for}${s.ticket ? `, ticket ${s.ticket}` : ''}; status ${s.status}.`,
    `Requested by ${s.requestedBy} at ${s.openedAt}${s.reason ? ` (${s.reason})` : ''}; terms sha256 ${s.termsHash}.`,
    ...(s.policy
      ? [`Policy exception terms sha256 ${s.policy.sha256}: ${s.enforcement.policyDecision}.`]
      : []),
    `Approved by: ${s.approvedBy ?? '(nobody)'}. Rejected by: ${s.rejectedBy ?? '(nobody)'}.`,
    ...(s.expiresAt ? [`Granted ${s.grantedAt}, expires ${s.expiresAt}.`] : []),
    ...(s.revoked
      ? [`Revoked by ${s.revoked.by} at ${s.revoked.at}${s.revoked.reason ? ` (${s.revoked.reason})` : ''}.`]
      : []),
    ...(s.endedAt && !s.revoked && s.status !== 'refused' && s.status !== 'rejected'
      ? [`Ended (${s.status}) at ${s.endedAt}.`]
      : []),
  ];
  s.timeline = [
    ...s.decisions.map((d) => ({
      at: d.at,
      what: `${d.kind} by ${d.by}: ${d.outcome}${d.failure ? ` (${d.failure})` : ''}${
        d.signatureValid === false ? ', signature does not verify' : ''
      }`,
    })),
    ...s.events.map((e) => ({ at: e.at, what: `event ${e.type}` })),
  ].sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0));
}
