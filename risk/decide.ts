// Policy evaluation: which remediations an identity's risk calls for right now. A rule fires when its `when`
// holds; it is suppressed by a live exception for its action, by a protected identity, or when that action is
// already proposed (see proposals.ts: a proposal that ended without acting is made again, with a new epoch, only
// on new risk and after the cool-down), so the caller starts exactly one remediation per identity, action and
// epoch. In observe mode (per rule or the whole policy) a rule plans under an id of its own and acts on nothing.
// Pure: `now` is an argument.
import type { FindingKind } from '../schemas/finding.ts';
import type { IdentityType } from '../schemas/identity.ts';
import type { Approval, Mode, Policy } from '../schemas/policy.ts';
import { type AgedFinding, isTooOldToAct } from './finding-age.ts';
import { observationGate, type ProposalRecord, proposalGate } from './proposals.ts';
import type { RiskScore } from './score.ts';

export interface ExceptionWindow {
  action: string;
  /** ISO 8601. The exception is live while `now` is before this. */
  expiresAt: string;
}

export interface DecisionInput {
  identity: { key: string; type: IdentityType };
  risk: Pick<RiskScore, 'score' | 'factors'>;
  openFindingKinds: readonly FindingKind[];
  /**
   * The open findings' kinds and times, for the policy's maxFindingAgeForAction: a kind only counts when one of
   * its findings is young enough, and a rule without kinds needs at least one such finding. Absent: no age check.
   */
  openFindings?: ReadonlyArray<AgedFinding & { kind: FindingKind }>;
  exceptions?: readonly ExceptionWindow[];
  /** Actions already started or completed for this identity, whatever the proposals say. */
  startedActions?: readonly string[];
  /** The identity's proposals and observations so far (its record's remediations). */
  proposals?: readonly ProposalRecord[];
  /** Policy `enforcement.cooldownMinutes` (default 0 here: the policy schema has the real default). */
  cooldownMinutes?: number;
  /** The configuration in force (assessment's configHash): a configuration refusal made under another re-arms. */
  configHash?: string;
  /** Policy `enforcement.mode` is observe: every rule observes. */
  observeAll?: boolean;
  /** Why this identity is never acted upon (protectionOf), if it is protected. */
  protection?: string;
  /** ISO 8601. */
  now: string;
}

export interface Decision {
  ruleId: string;
  action: string;
  mode: Mode;
  approval?: Approval;
  /** A team action's parameters and what to do when its worker is away (the rule's). */
  params?: Record<string, unknown>;
  onNoWorker?: 'wait' | 'fail';
  /** Who may roll it back (the rule's `rollback.groups`); unset: its approval groups, or security. */
  rollbackGroups?: string[];
  reasons: string[];
  /** A real proposal's epoch (mode auto or approval)… */
  epoch?: number;
  /** …or, in observe mode, the number of this action's observation. */
  observation?: number;
}

export interface SkippedRule {
  ruleId: string;
  action: string;
  reason: string;
  /** Assess again then (a cool-down ends). */
  retryAt?: string;
}

export interface RuleEvaluation {
  /** At most one per action, in rule order. */
  decisions: Decision[];
  /** Rules that fired but start nothing, and why. */
  skipped: SkippedRule[];
  /** Every action whose rule fired, started or not (what re-arming needs). */
  fired: string[];
}

function instant(iso: string, what: string): number {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`${what} is not an ISO 8601 time: ${JSON.stringify(iso)}`);
  return t;
}

/** Live while `now` is strictly before its expiry. An unreadable expiry is not live: enforcement is the default. */
export function isExceptionLive(exception: ExceptionWindow, now: string): boolean {
  const expires = Date.parse(exception.expiresAt);
  return !Number.isNaN(expires) && instant(now, 'now') < expires;
}

/** Every rule that fires for the identity, minus those covered by a live exception or already under way. */
export function evaluateRules(
  policy: Pick<Policy, 'rules' | 'maxFindingAgeForAction'>,
  input: DecisionInput,
): RuleEvaluation {
  instant(input.now, 'now'); // fail loudly on a bad clock value rather than treat every exception as expired
  const listed = new Set(input.openFindingKinds);
  const maxAge = input.openFindings ? policy.maxFindingAgeForAction : undefined;
  const young = (input.openFindings ?? []).filter(
    (f) => listed.has(f.kind) && !isTooOldToAct(f, input.now, maxAge),
  );
  const open = maxAge === undefined ? listed : new Set(young.map((f) => f.kind));
  const tooOld = `older than maxFindingAgeForAction (${maxAge})`;
  const started = new Set(input.startedActions ?? []);
  const decided = new Map<string, string>();
  const decisions: Decision[] = [];
  const skipped: SkippedRule[] = [];
  const fired = new Set<string>();
  const proposals = input.proposals ?? [];
  const { score } = input.risk;

  for (const rule of policy.rules) {
    const { when } = rule;
    if (score < when.minScore) continue;
    if (when.identityTypes && !when.identityTypes.includes(input.identity.type)) continue;
    const kinds = when.kinds?.filter((k) => open.has(k));
    const base = { ruleId: rule.id, action: rule.action };
    if (when.kinds && kinds?.length === 0) {
      if (maxAge !== undefined && when.kinds.some((k) => listed.has(k)))
        skipped.push({ ...base, reason: `its ${when.kinds.join(', ')} findings are all ${tooOld}` });
      continue;
    }
    if (!when.kinds && maxAge !== undefined && listed.size > 0 && young.length === 0) {
      skipped.push({ ...base, reason: `every open finding is ${tooOld}` });
      continue;
    }

    fired.add(rule.action);
    const by = decided.get(rule.action);
    if (by !== undefined) {
      skipped.push({ ...base, reason: `action ${rule.action} already decided by rule ${by}` });
      continue;
    }
    if (input.protection) {
      skipped.push({ ...base, reason: input.protection });
      continue;
    }
    if (started.has(rule.action)) {
      skipped.push({ ...base, reason: `${rule.action} already started or done for this identity` });
      continue;
    }
    const mode: Mode = input.observeAll ? 'observe' : rule.mode;
    let numbering: { epoch: number } | { observation: number };
    if (mode === 'observe') {
      const gate = observationGate(proposals, rule.action);
      if (!gate.open) {
        skipped.push({ ...base, reason: gate.reason });
        continue;
      }
      numbering = { observation: gate.n };
    } else {
      const gate = proposalGate(
        proposals,
        rule.action,
        input.now,
        input.cooldownMinutes ?? 0,
        input.configHash,
      );
      if (!gate.open) {
        skipped.push({ ...base, reason: gate.reason, ...(gate.retryAt ? { retryAt: gate.retryAt } : {}) });
        continue;
      }
      numbering = { epoch: gate.epoch };
    }
    const exception = (input.exceptions ?? [])
      .filter((e) => e.action === rule.action && isExceptionLive(e, input.now))
      .sort((a, b) => Date.parse(b.expiresAt) - Date.parse(a.expiresAt))[0];
    if (exception) {
      skipped.push({ ...base, reason: `live exception for ${rule.action} until ${exception.expiresAt}` });
      continue;
    }

    const reasons = [`risk score ${score} ≥ ${when.minScore}`];
    if (kinds?.length) reasons.push(`open ${kinds.join(', ')} finding${kinds.length > 1 ? 's' : ''}`);
    if (when.identityTypes) reasons.push(`identity type ${input.identity.type}`);
    if (mode === 'observe')
      reasons.push(
        input.observeAll ? 'policy in observe mode: plan only' : 'rule in observe mode: plan only',
      );
    for (const f of input.risk.factors.slice(0, 3)) reasons.push(`${f.reason} (+${f.contribution})`);

    decided.set(rule.action, rule.id);
    decisions.push({
      ...base,
      mode,
      ...(rule.approval ? { approval: rule.approval } : {}),
      ...(rule.params ? { params: rule.params } : {}),
      ...(rule.onNoWorker ? { onNoWorker: rule.onNoWorker } : {}),
      ...(rule.rollback ? { rollbackGroups: rule.rollback.groups } : {}),
      reasons,
      ...numbering,
    });
  }
  return { decisions, skipped, fired: [...fired] };
}

/** The remediations to start now: evaluateRules without the explanations of what was skipped. */
export function decide(
  policy: Pick<Policy, 'rules' | 'maxFindingAgeForAction'>,
  input: DecisionInput,
): Decision[] {
  return evaluateRules(policy, input).decisions;
}

// ---------------------------------------------------------------------------------------------------------------
// remediation workflow ids

/** FNV-1a, 32 bit, over UTF-16 code units: a small stable hash (not for security), as 8 hex digits. */
export function fnv1a32(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const MAX_KEY_CHARS = 200;

/**
 * A key as a workflow-id segment: readable (ARN `:` and `@` kept), no `/` (percent-encoded), reversible; keys too
 * long for comfort are cut and suffixed with a hash of the whole key so they stay unique.
 */
export function encodeIdentityKey(key: string): string {
  const encoded = encodeURIComponent(key.replace(LONE_SURROGATE, '\uFFFD'))
    .replace(/%3A/g, ':')
    .replace(/%40/g, '@');
  // A cut key is one character longer than any uncut one, so the two forms never collide.
  return encoded.length <= MAX_KEY_CHARS ? encoded : `${encoded.slice(0, MAX_KEY_CHARS - 8)}~${fnv1a32(key)}`;
}

/**
 * `remediate/<action>/<encoded key>/<epoch>`: the same identity, action and epoch always give the same id, so a
 * re-delivered finding or a replayed decision cannot start a second remediation. `epoch` counts remediations of
 * this action for this identity: bump it to allow a new one after the previous finished.
 */
export function remediationWorkflowId(identityKey: string, action: string, epoch: number): string {
  return numberedId('remediate', identityKey, action, epoch);
}

/**
 * `plan/<action>/<encoded key>/<n>`: an observe-mode (or hand-started) dry run. Never a `remediate/` id, so a plan
 * can never take the id of the real remediation and keep it from running.
 */
export function planWorkflowId(identityKey: string, action: string, n: number): string {
  return numberedId('plan', identityKey, action, n);
}

/**
 * The action and encoded identity key of a `remediate/…` or `plan/…` id. A team action's name has a slash of its own
 * (`remediate/dbteam/rotate-postgres-password/<key>/0`); an encoded key has none.
 */
export function remediationIdParts(id: string): { action: string; key: string } | undefined {
  const parts = id.split('/');
  if (parts.length === 4) return { action: parts[1]!, key: parts[2]! };
  if (parts.length === 5) return { action: `${parts[1]}/${parts[2]}`, key: parts[3]! };
  return undefined;
}

function numberedId(kind: string, identityKey: string, action: string, n: number): string {
  const what = kind === 'plan' ? 'planWorkflowId' : 'remediationWorkflowId';
  if (!identityKey) throw new Error(`${what}: identity key is empty`);
  if (!action) throw new Error(`${what}: action is empty`);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new Error(`${what}: ${kind === 'plan' ? 'n' : 'epoch'} must be a non-negative integer, got ${n}`);
  }
  return `${kind}/${action}/${encodeIdentityKey(identityKey)}/${n}`;
}
