// A remediation's evidence summary, derived only from workflow histories (its own run chain and its parent
// identity workflow's): pure, so export and verify derive it the same way and verify can say where a summary
// and its history disagree. The reading is generic — any activity, update or signal is taken in, classified by
// name — so decisions added by later workflow versions (signed approvals, refusals, rollback, re-checks) appear
// without a change here.

import { type ActionPhase, isTeamActionName } from '../schemas/action-contract.ts';
import { type SignedDecision, verifyDecision } from '../schemas/signed-decision.ts';
import { TEAM_VERIFIED } from '../schemas/team-verification.ts';
import { canonicalSha256 } from './canonical.ts';
import { decisionOutcome, type EnforcementFacts } from './case-summary.ts';
import { controlsFor, type MappedControl } from './controls.ts';
import type { DecodedEvent } from './history-json.ts';
import { caseRefusals, type RescanClosureSeen, rescanClosuresIn, type SummaryRefusal } from './refusals.ts';

export interface SummaryFinding {
  id: string;
  source?: { format?: string; product?: string; vendor?: string };
  kind?: string;
  title?: string;
  severity?: unknown;
  /** When the tool observed it. */
  time?: string;
  /** When the identity workflow received it. */
  receivedAt?: string;
  /** Not in the exported identity history (an earlier chain, or no parent exported). */
  missing?: true;
}

export interface SummaryDecision {
  kind: 'approval' | 'refusal' | 'rollback' | 'other';
  name: string;
  at: string;
  by?: string;
  reason?: string;
  /** Everything else the request carried (signature, plan hash, key id…), as recorded. */
  detail: Record<string, unknown>;
  /** `refused`: the workflow recorded the attempt and did not count it (the reason is in `failure`). */
  outcome: 'accepted' | 'refused' | 'failed' | 'pending';
  failure?: string;
  /**
   * A signed decision checked again here against the directory snapshot the request recorded (the last
   * `loadDirectory` result before it): true when one of the person's keys verifies the signature.
   */
  signatureValid?: boolean;
}

export interface SummaryActivity {
  name: string;
  scheduledAt: string;
  closedAt?: string;
  outcome: 'completed' | 'failed' | 'timed-out' | 'canceled' | 'pending';
  attempt?: number;
  failure?: string;
}

export interface ApiCall {
  api: string;
  target: string;
  /** The activity that made it, and its outcome. */
  by: string;
  at: string;
  outcome: SummaryActivity['outcome'];
}

export interface TimelineEntry {
  at: string;
  what: string;
}

export interface RemediationSummary {
  kind: 'remediation';
  workflowId: string;
  workflowType: string;
  runIds: string[];
  parent?: { workflowId: string; runId?: string };
  startedAt: string;
  closedAt?: string;
  /** The workflow's own final status when it returned one; otherwise how the run closed. */
  status: string;
  identity: { key: string; type?: string; account?: string; owner?: string | null; name?: string };
  findings: SummaryFinding[];
  score?: {
    value: number;
    total?: number;
    assessedAt?: string;
    factors: Array<{ id: string; points?: number; weight?: number; contribution: number; reason: string }>;
  };
  policy: {
    ruleId?: string;
    mode?: string;
    reasons: string[];
    approval?: unknown;
    rule?: unknown;
    /** SHA-256 of the canonical JSON of the policy the assessment recorded. */
    policySha256?: string;
    /** A hash the workflow itself recorded, when it did. */
    recordedPolicyHash?: string;
  };
  /** The plan; when it says nothing will be done, why (noop, refused for its account, not applicable). */
  plan?: {
    value: unknown;
    sha256: string;
    recordedHash?: string;
    noop?: string;
    refused?: string;
    notApplicable?: string;
  };
  decisions: SummaryDecision[];
  /** Messages the remediation, its identity or its follow-up refused (forged, unverifiable): evidence/refusals.ts. */
  refused?: SummaryRefusal[];
  /** Findings of the identity that a complete rescan closed (the closing report's scope and reason). */
  rescanClosures?: RescanClosureSeen[];
  activities: SummaryActivity[];
  apiCalls: ApiCall[];
  outcome?: unknown;
  verification?: unknown;
  /** TEAM_VERIFIED when the team's worker reported the verification (nothing central checked the effect). */
  verifiedBy?: string;
  /** Verifications after the first (re-check timers). */
  rechecks: unknown[];
  rollback?: Array<{
    at: string;
    by?: string;
    reason?: string;
    outcome?: unknown;
    verification?: { ok: boolean; detail: string };
    detail?: unknown;
  }>;
  /** The follow-up workflow's record (re-checks, drift re-enforcement, rollback), when the remediation executed. */
  followUp?: SummaryFollowUp;
  exceptions: Array<Record<string, unknown>>;
  /** The enforcement events the workflows published (the SIEM's copy of the decision trail). */
  events: Array<{ type: string; at: string; detail?: unknown }>;
  timeline: TimelineEntry[];
  enforcement: EnforcementFacts & {
    /** Drifts the follow-up found after the action (re-enforced or announced). */
    drifts?: number;
    /** The rollback the follow-up ran, and whether its verification held. */
    rollback?: { by?: string; reason?: string; at: string; verified: boolean };
  };
  controls: MappedControl[];
}

export interface SummaryRecheck {
  at: string;
  ok: boolean;
  detail: string;
  /** A drift the action was run again for: whether the verification after it held. */
  reenforced?: boolean;
}

export interface SummaryFollowUp {
  workflowId: string;
  runIds: string[];
  /** The follow-up's own final status (rolled-back, closed…), or running while its window is open. */
  status: string;
  rechecks: SummaryRecheck[];
  drifts: number;
  rollback?: {
    by?: string;
    reason?: string;
    at: string;
    outcome?: unknown;
    verification?: { ok: boolean; detail: string };
    /** TEAM_VERIFIED when the team's worker reported the rollback's verification. */
    verifiedBy?: string;
  };
}

export interface RunEvents {
  runId: string;
  events: DecodedEvent[];
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : undefined);
const failureText = (v: unknown): string | undefined => {
  const f = obj(v);
  const cause = obj(f.cause);
  return str(f.message) ? `${f.message}${str(cause.message) ? `: ${cause.message}` : ''}` : undefined;
};

const READ_ONLY = /^(plan|verify|check|publish|assess|read|describe|identity|list|get)/i;

function classify(name: string): SummaryDecision['kind'] {
  if (/roll.?back|undo|restore/i.test(name)) return 'rollback';
  if (/reject|refus|deny|veto/i.test(name)) return 'refusal';
  if (/approv|sign.?off/i.test(name)) return 'approval';
  return 'other';
}

interface Activity extends SummaryActivity {
  input: unknown[];
  result?: unknown;
  /** A team action's phase: it ran on the team's worker, which reported the result. */
  teamWorker?: true;
}

function readActivities(runs: RunEvents[]): Activity[] {
  const out: Activity[] = [];
  for (const run of runs) {
    const byScheduled = new Map<number, Activity>();
    for (const e of run.events) {
      const a = e.attrs;
      if (e.type === 'ActivityTaskScheduled') {
        const type = str(obj(a.activityType).name) ?? '?';
        const name = phaseName(type);
        const act: Activity = {
          name,
          ...(name !== type ? { teamWorker: true as const } : {}),
          scheduledAt: e.time,
          outcome: 'pending',
          input: Array.isArray(a.input) ? a.input : [],
        };
        byScheduled.set(e.id, act);
        out.push(act);
        continue;
      }
      const scheduled = Number(a.scheduledEventId);
      const act = Number.isFinite(scheduled) ? byScheduled.get(scheduled) : undefined;
      if (!act) continue;
      if (e.type === 'ActivityTaskStarted') act.attempt = Number(a.attempt) || undefined;
      else if (e.type === 'ActivityTaskCompleted') {
        act.outcome = 'completed';
        act.closedAt = e.time;
        act.result = first(a.result);
      } else if (e.type === 'ActivityTaskFailed') {
        act.outcome = 'failed';
        act.closedAt = e.time;
        act.failure = failureText(a.failure);
      } else if (e.type === 'ActivityTaskTimedOut') {
        act.outcome = 'timed-out';
        act.closedAt = e.time;
        act.failure = failureText(a.failure);
      } else if (e.type === 'ActivityTaskCanceled') {
        act.outcome = 'canceled';
        act.closedAt = e.time;
      }
    }
  }
  return out;
}

/**
 * A team action's phase activity (`team/verb:act`, on the team's task queue) read as the built-in activity of the
 * same phase, so its plan, act, verification and rollback are summarised the same way.
 */
const TEAM_PHASES: Record<ActionPhase, string> = {
  plan: 'planRemediation',
  act: 'executeRemediation',
  verify: 'verifyRemediation',
  rollback: 'rollbackRemediation',
  'verify-rollback': 'verifyRollback',
};
function phaseName(name: string): string {
  const at = name.lastIndexOf(':');
  const phase = name.slice(at + 1) as ActionPhase;
  return at > 0 && isTeamActionName(name.slice(0, at)) && Object.hasOwn(TEAM_PHASES, phase)
    ? TEAM_PHASES[phase]
    : name;
}

/** The reason a refused decision shows when its history recorded none (so the trail never says a bare "refused"). */
export const NO_REASON_RECORDED = 'no reason recorded';

/** Updates and signals, each a decision by someone (or some other message). */
function readDecisions(runs: RunEvents[]): SummaryDecision[] {
  const out: SummaryDecision[] = [];
  for (const run of runs) {
    const updates = new Map<string, SummaryDecision>();
    for (const e of run.events) {
      const a = e.attrs;
      let name: string | undefined;
      let args: unknown[] = [];
      if (e.type === 'WorkflowExecutionUpdateAccepted') {
        const request = obj(a.acceptedRequest);
        const input = obj(request.input);
        name = str(input.name);
        args = Array.isArray(input.args) ? input.args : [];
      } else if (e.type === 'WorkflowExecutionSignaled') {
        name = str(a.signalName);
        args = Array.isArray(a.input) ? a.input : [];
      } else if (e.type === 'WorkflowExecutionUpdateCompleted') {
        const id = str(obj(a.meta).updateId);
        const d = id ? updates.get(id) : undefined;
        if (d) {
          const outcome = obj(a.outcome);
          // A signed decision's update completes with { accepted, refusal }: a refusal is recorded, not counted.
          const answer = obj(
            Array.isArray(outcome.success) ? outcome.success[0] : first(obj(outcome.success).payloads),
          );
          d.outcome = outcome.failure ? 'failed' : answer.accepted === false ? 'refused' : 'accepted';
          if (outcome.failure) d.failure = failureText(outcome.failure);
          // Every refusal carries its reason; a history that recorded none says so rather than showing a bare word.
          else if (answer.accepted === false) d.failure = str(answer.refusal) ?? NO_REASON_RECORDED;
        }
        continue;
      }
      if (!name) continue;
      const { by, person, reason, ...detail } = obj(args[0]);
      // A signed decision names its kind (approve | reject) and its person; older messages only their name.
      const signedKind =
        detail.decision === 'approve' ? 'approval' : detail.decision === 'reject' ? 'refusal' : undefined;
      const decision: SummaryDecision = {
        kind: signedKind ?? classify(name),
        name,
        at: e.time,
        ...(str(by) || str(person) ? { by: str(by) ?? str(person) } : {}),
        ...(str(reason) ? { reason: str(reason) } : {}),
        detail,
        outcome: e.type === 'WorkflowExecutionSignaled' ? 'accepted' : 'pending',
      };
      if (e.type === 'WorkflowExecutionUpdateAccepted') {
        const id = str(obj(obj(a.acceptedRequest).meta).updateId) ?? str(a.protocolInstanceId);
        if (id) updates.set(id, decision);
      }
      out.push(decision);
    }
  }
  return out;
}

/**
 * Each signed decision verified again, from the history alone: against the directory snapshot the workflow loaded
 * (the last `loadDirectory` result scheduled before the decision), so a later directory edit changes nothing.
 */
function checkSignatures(decisions: SummaryDecision[], activities: Activity[]): void {
  const snapshots = activities.filter((a) => /^loadDirectory$/.test(a.name) && a.outcome === 'completed');
  for (const d of decisions) {
    if (typeof d.detail.signature !== 'string' || !d.by) continue;
    const snapshot = snapshots.filter((a) => a.scheduledAt <= d.at).at(-1);
    const people = obj(obj(snapshot?.result).people);
    const keys = (Array.isArray(obj(people[d.by]).keys) ? (obj(people[d.by]).keys as unknown[]) : [])
      .filter((k): k is string => typeof k === 'string')
      .map((k) => k.replace(/^ed25519:/, ''));
    d.signatureValid = verifyDecision(
      { ...d.detail, person: d.by, reason: d.reason ?? '' } as SignedDecision,
      keys,
    );
  }
}

/** `security 2, platform 1` (per-group quorum) or, for older histories, `2 approval(s)`. */
function approvalText(approval: Obj): string {
  const groups = obj(approval.groups);
  const names = Object.keys(groups);
  if (names.length > 0) return names.map((g) => `${g} ${groups[g]}`).join(', ');
  return `${approval.required ?? '?'} approval(s)`;
}

/** The outcome a still-open remediation published (`remediation.rejected` → rejected), or undefined. */
function decidedWhileOpen(events: ReadonlyArray<{ type: string; detail?: unknown }>): string | undefined {
  const decided = /^remediation\.(rejected|executed|failed|refused|noop|not-applicable|observed|cancelled)$/;
  const last = [...events].reverse().find((e) => decided.test(e.type));
  if (!last) return undefined;
  const outcome = last.type.slice('remediation.'.length);
  return outcome === 'rejected' && obj(last.detail).expired === true ? 'expired' : outcome;
}

function closing(runs: RunEvents[]): { at?: string; status: string; result?: unknown } {
  const last = runs.at(-1)?.events ?? [];
  for (let i = last.length - 1; i >= 0; i--) {
    const e = last[i]!;
    const a = e.attrs;
    if (e.type === 'WorkflowExecutionCompleted') {
      const result = first(a.result);
      return { at: e.time, status: str(obj(result).status) ?? 'completed', result };
    }
    if (e.type === 'WorkflowExecutionFailed') return { at: e.time, status: 'failed' };
    if (e.type === 'WorkflowExecutionTerminated') return { at: e.time, status: 'terminated' };
    if (e.type === 'WorkflowExecutionCanceled') return { at: e.time, status: 'canceled' };
    if (e.type === 'WorkflowExecutionTimedOut') return { at: e.time, status: 'timed-out' };
  }
  return { status: 'running' };
}

/** What the parent identity history says about this remediation: findings, the assessment that started it. */
function fromIdentity(identityRuns: RunEvents[], workflowId: string) {
  const findings = new Map<string, SummaryFinding>();
  const exceptions: Array<Record<string, unknown>> = [];
  let assessment: Obj | undefined;
  let startedBy: Obj | undefined;
  let lastAssessment: Obj | undefined;
  for (const run of identityRuns) {
    for (const e of run.events) {
      const a = e.attrs;
      if (e.type === 'WorkflowExecutionSignaled') {
        for (const arg of Array.isArray(a.input) ? a.input : []) {
          const list = obj(arg).findings;
          if (!Array.isArray(list)) continue;
          for (const f of list.map(obj)) {
            const id = str(f.id);
            if (!id || findings.has(id)) continue;
            const source = obj(f.source);
            findings.set(id, {
              id,
              source: {
                format: str(source.format),
                product: str(source.product),
                vendor: str(source.vendor),
              },
              kind: str(f.kind),
              title: str(f.title),
              severity: obj(f.severity).label ?? f.severity,
              time: str(f.time),
              receivedAt: e.time,
            });
          }
        }
      } else if (e.type === 'ActivityTaskCompleted') {
        const result = obj(first(a.result));
        if (obj(result.risk).score !== undefined && result.policy) lastAssessment = result;
      } else if (e.type === 'StartChildWorkflowExecutionInitiated' && str(a.workflowId) === workflowId) {
        if (!startedBy) {
          startedBy = { at: e.time };
          assessment = lastAssessment;
        }
      } else if (e.type === 'WorkflowExecutionUpdateAccepted') {
        const input = obj(obj(a.acceptedRequest).input);
        if (/exception/i.test(str(input.name) ?? ''))
          exceptions.push({ at: e.time, name: input.name, ...obj(first(input.args)) });
      }
    }
  }
  return { findings, assessment, startedAt: str(startedBy?.at), exceptions };
}

/**
 * The follow-up workflow's record, read from its history alone: each completed `verifyRemediation` is a re-check,
 * unless it is the verification right after a drift was re-enforced (`executeRemediation`), which says whether
 * the re-enforcement held; the rollback is the accepted `rollback` update, its activity and its verification.
 */
function fromFollowUp(runs: RunEvents[]): SummaryFollowUp | undefined {
  const started = runs[0]?.events.find((e) => e.type === 'WorkflowExecutionStarted');
  if (!started) return undefined;
  const activities = readActivities(runs);
  const rechecks: SummaryRecheck[] = [];
  let drifted: SummaryRecheck | undefined;
  let reenforcing = false;
  let rollbackAct: Activity | undefined;
  let verification: { ok: boolean; detail: string } | undefined;
  let rollbackVerifiedBy: string | undefined;
  for (const act of activities) {
    if (act.name === 'executeRemediation' && drifted) reenforcing = true;
    else if (act.name === 'verifyRemediation' && act.outcome === 'completed') {
      const v = obj(act.result);
      const result = { ok: v.ok === true, detail: String(v.detail ?? '') };
      if (drifted && reenforcing) {
        drifted.reenforced = result.ok;
        drifted = undefined;
        reenforcing = false;
        continue;
      }
      const entry: SummaryRecheck = { at: act.closedAt ?? act.scheduledAt, ...result };
      // A drift left as it is (the policy only announces) is recorded as not re-enforced.
      if (drifted) drifted.reenforced = false;
      drifted = result.ok ? undefined : entry;
      rechecks.push(entry);
    } else if (act.name === 'rollbackRemediation') rollbackAct = act;
    else if (act.name === 'verifyRollback' && act.outcome === 'completed') {
      const v = obj(act.result);
      verification = { ok: v.ok === true, detail: String(v.detail ?? '') };
      rollbackVerifiedBy = act.teamWorker ? TEAM_VERIFIED : undefined;
    }
  }
  const close = closing(runs);
  if (drifted && (!reenforcing || close.at)) drifted.reenforced ??= false;
  const request = readDecisions(runs).find((d) => d.kind === 'rollback' && d.outcome !== 'failed');
  if (rollbackAct && rollbackAct.outcome !== 'completed' && rollbackAct.outcome !== 'pending')
    verification ??= { ok: false, detail: rollbackAct.failure ?? rollbackAct.outcome };
  return {
    workflowId: str(started.attrs.workflowId) ?? '?',
    runIds: runs.map((r) => r.runId),
    status: close.status,
    rechecks,
    drifts: rechecks.filter((r) => !r.ok).length,
    ...(request
      ? {
          rollback: clean({
            by: request.by,
            reason: request.reason,
            at: request.at,
            outcome: rollbackAct?.outcome === 'completed' ? rollbackAct.result : undefined,
            verification,
            verifiedBy: rollbackVerifiedBy,
          }),
        }
      : {}),
  };
}

export const FOLLOW_UP_WORKFLOW_TYPE = 'remediationFollowUpWorkflow';

/** The follow-up workflow a remediation's history says it started (once it executed), if any. */
export function followUpStarted(runs: RunEvents[]): string | undefined {
  for (const run of runs)
    for (const e of run.events) {
      if (e.type !== 'StartChildWorkflowExecutionInitiated') continue;
      const type = (e.attrs.workflowType as { name?: string } | undefined)?.name;
      if (type === FOLLOW_UP_WORKFLOW_TYPE && typeof e.attrs.workflowId === 'string')
        return e.attrs.workflowId;
    }
  return undefined;
}

const clean = <T extends Obj>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

export function deriveRemediationSummary(
  runs: RunEvents[],
  identityRuns: RunEvents[] = [],
  followUpRuns: RunEvents[] = [],
): RemediationSummary {
  const started = runs[0]?.events.find((e) => e.type === 'WorkflowExecutionStarted');
  if (!started) throw new Error('history has no WorkflowExecutionStarted event');
  const sa = started.attrs;
  const input = obj(first(sa.input));
  const identity = obj(input.identity);
  const workflowId = str(sa.workflowId) ?? '';
  const parentExec = obj(sa.parentWorkflowExecution);
  const activities = readActivities(runs);
  const refused = caseRefusals(runs, identityRuns, followUpRuns);
  const rescanClosures = rescanClosuresIn(identityRuns);
  const decisions = readDecisions(runs);
  checkSignatures(decisions, activities);
  const close = closing(runs);
  const finalState = obj(close.result);
  const parent = fromIdentity(identityRuns, workflowId);
  const followUp = fromFollowUp(followUpRuns);
  const followUpActivities = readActivities(followUpRuns);

  const completed = (re: RegExp) => activities.filter((a) => re.test(a.name) && a.outcome === 'completed');
  const planActivity = completed(/^plan/i).at(-1);
  const planValue = planActivity?.result ?? finalState.plan;
  const planObj = obj(planValue);
  const verifyActivities = completed(/^verify/i);
  const verifications = verifyActivities.map((a) => a.result);
  // The team's worker reported its own verification: said in those words, never plain "verified".
  const verifiedBy = verifyActivities[0]?.teamWorker ? TEAM_VERIFIED : undefined;
  const executions = completed(/^(execute|act|apply)/i);

  const apiCalls: ApiCall[] = activities
    .filter((a) => !READ_ONLY.test(a.name))
    .flatMap((a) => {
      // A built-in's act gets the plan itself; a team action's phase gets it as `plan` (schemas/action-contract.ts).
      const steps = obj(a.input[0]).steps ?? obj(obj(a.input[0]).plan).steps;
      if (!Array.isArray(steps)) return [];
      return steps.map(obj).map((s) => ({
        api: str(s.api) ?? '?',
        target: str(s.target) ?? '?',
        by: a.name,
        at: a.closedAt ?? a.scheduledAt,
        outcome: a.outcome,
      }));
    });

  const events = [...activities, ...followUpActivities]
    .filter((a) => /^publish/i.test(a.name))
    .map((a) => {
      const e = obj(a.input[0]);
      return clean({ type: str(e.type) ?? '?', at: a.scheduledAt, detail: e.detail });
    });

  // A decided remediation may stay open a while (late decisions are still recorded and refused): its status is
  // what it last published, until it closes.
  const status = close.status === 'running' ? (decidedWhileOpen(events) ?? 'running') : close.status;

  const rollback = [
    ...decisions.filter((d) => d.kind === 'rollback').map((d) => ({ at: d.at, by: d.by, detail: d.detail })),
    ...activities
      .filter((a) => classify(a.name) === 'rollback' && a.outcome === 'completed')
      .map((a) => ({ at: a.closedAt ?? a.scheduledAt, detail: a.result })),
    ...(followUp?.rollback ? [followUp.rollback] : []),
  ];

  const findingIds = Array.isArray(input.findingIds) ? input.findingIds.map(String) : [];
  const findings = findingIds.map((id) => parent.findings.get(id) ?? { id, missing: true as const });
  const a = parent.assessment;
  const risk = obj(a?.risk);
  const policy = a?.policy ? obj(a.policy) : undefined;
  const ruleId = str(input.ruleId);
  const rule = Array.isArray(policy?.rules) ? policy.rules.map(obj).find((r) => r.id === ruleId) : undefined;
  const recordedPolicyHash = str(input.policyHash) ?? str(policy?.hash) ?? str(a?.policyHash);

  // What counted: refused attempts (outside the groups, the owner, a bad signature…) stay in `decisions` only.
  const counted = (d: SummaryDecision) => d.outcome !== 'failed' && d.outcome !== 'refused';
  const approvals = decisions.filter((d) => d.kind === 'approval' && counted(d));
  const refusals = decisions.filter((d) => d.kind === 'refusal' && counted(d));
  const action = str(input.action) ?? '?';
  const findingKinds = [...new Set(findings.map((f) => f.kind).filter((k): k is string => !!k))];
  const controls = controlsFor({
    action,
    findingKinds,
    approved: approvals.length > 0,
    signed: approvals.length > 0 && approvals.every((d) => d.signatureValid === true),
    refused: refusals.length > 0,
    rolledBack: rollback.length > 0,
    exception: parent.exceptions.some((x) => x.action === action),
    verified: verifications.length > 0,
    acted: apiCalls.some((c) => c.outcome === 'completed'),
  });

  const steps = Array.isArray(planObj.steps) ? planObj.steps.map(obj) : [];
  const mode = str(input.mode);
  const decisionText = `${ruleId ?? '?'} (${mode ?? '?'}${
    mode === 'approval' && input.approval ? `: ${approvalText(obj(input.approval))}` : ''
  })${risk.score !== undefined ? ` at score ${risk.score}` : ''} → ${status}`;

  const timeline: TimelineEntry[] = [
    ...findings
      .filter((f) => f.time)
      .map((f) => ({
        at: f.time!,
        what: `finding ${f.id} (${f.kind}) observed by ${f.source?.product ?? '?'}`,
      })),
    ...findings
      .filter((f) => f.receivedAt)
      .map((f) => ({ at: f.receivedAt!, what: `finding ${f.id} received` })),
    ...(a?.assessedAt ? [{ at: String(a.assessedAt), what: `assessed: score ${risk.score}` }] : []),
    { at: started.time, what: `remediation ${action} started by rule ${ruleId ?? '?'}` },
    ...activities
      .filter((x) => !/^publish/i.test(x.name))
      .map((x) => ({
        at: x.closedAt ?? x.scheduledAt,
        what: `${x.name}: ${x.outcome}${x.teamWorker && /^verify/i.test(x.name) && x.outcome === 'completed' ? ` (${TEAM_VERIFIED})` : ''}`,
      })),
    ...decisions.map((d) => ({
      at: d.at,
      what: `${d.kind} (${d.name}) by ${d.by ?? '?'}: ${decisionOutcome(d)}`,
    })),
    ...(close.at ? [{ at: close.at, what: `closed: ${close.status}` }] : []),
    ...(followUp?.rechecks ?? []).map((r) => ({
      at: r.at,
      what: `re-check: ${r.ok ? 'holds' : `drifted (${r.detail})${r.reenforced ? ', re-enforced' : ''}`}`,
    })),
    ...(followUp?.rollback
      ? [
          {
            at: followUp.rollback.at,
            what: `rollback by ${followUp.rollback.by ?? '?'} (${followUp.rollback.reason ?? '?'}): ${
              followUp.rollback.verification?.ok
                ? (followUp.rollback.verifiedBy ?? 'verified')
                : 'not verified'
            }`,
          },
        ]
      : []),
  ].sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0));

  return {
    kind: 'remediation',
    workflowId,
    workflowType: str(obj(sa.workflowType).name) ?? '?',
    runIds: runs.map((r) => r.runId),
    ...(parentExec.workflowId
      ? { parent: clean({ workflowId: String(parentExec.workflowId), runId: str(parentExec.runId) }) }
      : {}),
    startedAt: started.time,
    ...(close.at ? { closedAt: close.at } : {}),
    status,
    identity: clean({
      key: str(identity.key) ?? '?',
      type: str(identity.type),
      // The account the plan acted in (read from AWS) wins over the one the finding named.
      account: str(planObj.account) ?? str(identity.account),
      owner: a && 'owner' in a ? (a.owner as string | null) : str(identity.owner),
      name: str(identity.name),
    }),
    findings,
    ...(a
      ? {
          score: clean({
            value: Number(risk.score),
            total: typeof risk.total === 'number' ? risk.total : undefined,
            assessedAt: str(a.assessedAt),
            factors: (Array.isArray(risk.factors) ? risk.factors : []).map(obj).map((f) =>
              clean({
                id: String(f.id),
                points: typeof f.points === 'number' ? f.points : undefined,
                weight: typeof f.weight === 'number' ? f.weight : undefined,
                contribution: Number(f.contribution),
                reason: String(f.reason ?? ''),
              }),
            ),
          }),
        }
      : {}),
    policy: clean({
      ruleId,
      mode,
      reasons: Array.isArray(input.reasons) ? input.reasons.map(String) : [],
      approval: input.approval,
      rule,
      policySha256: policy ? canonicalSha256(policy) : undefined,
      recordedPolicyHash,
    }),
    ...(planValue !== undefined
      ? {
          plan: clean({
            value: planValue,
            sha256: canonicalSha256(planValue),
            recordedHash: str(planObj.hash) ?? str(finalState.planHash),
            noop: str(planObj.noop),
            refused: str(planObj.refused),
            notApplicable: str(planObj.notApplicable),
          }),
        }
      : {}),
    decisions,
    ...(refused.length ? { refused } : {}),
    ...(rescanClosures.length ? { rescanClosures } : {}),
    activities: activities.map(({ input: _i, result: _r, teamWorker: _t, ...rest }) => clean(rest)),
    apiCalls,
    ...(executions.length ? { outcome: executions.at(-1)?.result } : {}),
    ...(verifications.length ? { verification: verifications[0] } : {}),
    ...(verifiedBy ? { verifiedBy } : {}),
    rechecks: followUp ? followUp.rechecks : verifications.slice(1),
    ...(rollback.length ? { rollback: rollback.map((r) => clean(r)) } : {}),
    exceptions: parent.exceptions.filter((x) => x.action === action),
    events,
    timeline,
    enforcement: {
      action,
      identity: str(identity.key) ?? '?',
      target: steps.map((s) => String(s.target ?? '?')),
      approvers: approvals.map((d) => d.by ?? '?'),
      refusedBy: refusals.map((d) => d.by ?? '?'),
      policyDecision: decisionText,
      controls: controls.map((c) => c.id),
      ...(followUp ? { drifts: followUp.drifts } : {}),
      ...(followUp?.rollback
        ? {
            rollback: clean({
              by: followUp.rollback.by,
              reason: followUp.rollback.reason,
              at: followUp.rollback.at,
              verified: followUp.rollback.verification?.ok === true,
            }),
          }
        : {}),
    },
    controls,
    ...(followUp ? { followUp } : {}),
  };
}
