// Brakes on automatic enforcement, as pure state transitions: the kill switch, rate limits per account and
// global, the circuit breaker, and protected identities. The control workflow (workflows/control/) holds this
// state in its history and applies these functions; nothing here does I/O, and time is passed in.
import type { CircuitBreaker, RateLimits } from '../schemas/policy.ts';
import type { RefusedMessage } from '../schemas/refused-message.ts';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

// ---------------------------------------------------------------------------------------------------------------
// protected identities

/** `*` matches any run of characters (ARN separators included); everything else is literal. */
export function arnPatternMatches(pattern: string, arn: string): boolean {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`).test(arn);
}

/**
 * The role an STS caller identity acts as: `arn:aws:sts::1:assumed-role/NAME/session` → `arn:aws:iam::1:role/NAME`
 * (any path). Users and roles are returned as they are.
 */
export function principalOfCaller(callerArn: string): { arn: string; roleName?: string } {
  const m = /^arn:(aws[\w-]*):sts::(\d+):assumed-role\/([^/]+)\//.exec(callerArn);
  if (!m) return { arn: callerArn };
  return { arn: `arn:${m[1]}:iam::${m[2]}:role/${m[3]}`, roleName: m[3] };
}

export interface ProtectionInput {
  /** The identity's key and whom it belongs to (an access key's owner), each checked. */
  keys: ReadonlyArray<string | undefined>;
  /** Policy `enforcement.protected`. */
  patterns: readonly string[];
  /** The enforcer's own AWS caller identity, when known. */
  enforcer?: string;
}

/** Why this identity must never be acted upon, or undefined. */
export function protectionOf(input: ProtectionInput): string | undefined {
  const keys = input.keys.filter((k): k is string => !!k);
  if (input.enforcer) {
    const self = principalOfCaller(input.enforcer);
    for (const key of keys) {
      const isSelf =
        key === input.enforcer ||
        key === self.arn ||
        (self.roleName !== undefined &&
          key.startsWith(self.arn.slice(0, self.arn.indexOf(':role/') + 6)) &&
          key.split('/').at(-1) === self.roleName);
      if (isSelf) return `protected: ${key} is the enforcer's own identity`;
    }
  }
  for (const pattern of input.patterns) {
    const hit = keys.find((k) => arnPatternMatches(pattern, k));
    if (hit) return `protected: ${hit} matches the policy's protected pattern ${pattern}`;
  }
  return undefined;
}

/** The account to rate-limit by: the identity's account, else the one in its ARN (or its owner's), else `unknown`. */
export function accountOf(identity: { key: string; account?: string; owner?: string }): string {
  if (identity.account) return identity.account;
  for (const k of [identity.key, identity.owner]) {
    const m = k ? /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(k) : null;
    if (m) return m[1]!;
  }
  return 'unknown';
}

// ---------------------------------------------------------------------------------------------------------------
// the control state: kill switch, rate windows, breaker

export interface BrakeSettings {
  rateLimits: RateLimits;
  circuitBreaker: CircuitBreaker;
}

export interface ActRequest {
  /** The remediation asking to act; asking again (a retry) is answered the same way once granted. */
  workflowId: string;
  identityKey: string;
  account: string;
  /** Nobody approved it: rate limits and the breaker apply. An approved action is only held by the kill switch. */
  automatic: boolean;
  settings: BrakeSettings;
}

export type ActAnswer =
  | { verdict: 'go' }
  /** Wait: until `retryAt` (a rate-limit slot frees), or until released (resume). */
  | { verdict: 'hold'; reason: string; retryAt?: string }
  /** Not automatically: a person must approve it first. */
  | { verdict: 'approval'; reason: string };

export interface ControlState {
  paused?: { by: string; reason: string; at: string };
  /** Acts granted within the last hour (the rate windows). */
  acts: Array<{ at: string; account: string; workflowId: string }>;
  /** Granted and not yet reported done: a pause is acknowledged only once this is empty. */
  inflight: string[];
  /** Failures and verification misses within the breaker's window. */
  failures: Array<{ at: string; workflowId: string; detail: string }>;
  breaker?: { openedAt: string; reason: string; quietMinutes: number };
  /** Remediations told to wait for a release (pause), signalled when it comes. */
  held: string[];
  /** Messages refused (forged, unsealed, undecodable): schemas/refused-message.ts. */
  refusedMessages?: RefusedMessage[];
}

export const emptyControlState = (): ControlState => ({ acts: [], inflight: [], failures: [], held: [] });

/** The control's state as of `now`: windows pruned (status reads it without a reservation). */
export function pruneControlState(state: ControlState, now: string): void {
  prune(state, now);
}

const ms = (iso: string) => Date.parse(iso);

/** Most held remediations remembered for release (one terminated while held is never removed otherwise). */
const MAX_HELD = 10_000;

function prune(state: ControlState, now: string): void {
  const t = ms(now);
  state.acts = state.acts.filter((a) => t - ms(a.at) < HOUR_MS);
  // An act granted over an hour ago and never reported (its remediation was terminated mid-act) is gone: it must
  // not keep every later pause from being acknowledged.
  const recent = new Set(state.acts.map((a) => a.workflowId));
  state.inflight = state.inflight.filter((id) => recent.has(id));
}

/** Decide whether a remediation may act now; a grant is recorded in the rate windows and as in flight. */
export function reserveAct(state: ControlState, request: ActRequest, now: string): ActAnswer {
  prune(state, now);
  const hold = (reason: string, retryAt?: string): ActAnswer => {
    if (!state.held.includes(request.workflowId)) state.held.push(request.workflowId);
    if (state.held.length > MAX_HELD) state.held.splice(0, state.held.length - MAX_HELD);
    return { verdict: 'hold', reason, ...(retryAt ? { retryAt } : {}) };
  };
  if (state.paused) {
    const p = state.paused;
    return hold(`enforcement paused by ${p.by} at ${p.at}: ${p.reason}`);
  }
  // Granted before and asking again (an activity retry): the same grant.
  if (state.inflight.includes(request.workflowId)) return { verdict: 'go' };

  if (request.automatic) {
    if (state.breaker) {
      const b = state.breaker;
      return { verdict: 'approval', reason: `circuit breaker open since ${b.openedAt}: ${b.reason}` };
    }
    const { perAccountPerHour, globalPerHour, overLimit } = request.settings.rateLimits;
    const over = (limit: number | undefined, acts: ControlState['acts'], scope: string) => {
      if (limit === undefined || acts.length < limit) return undefined;
      const oldest = acts[acts.length - limit]!;
      const retryAt = new Date(ms(oldest.at) + HOUR_MS).toISOString();
      return { reason: `rate limit: ${limit} automatic remediations per hour ${scope} reached`, retryAt };
    };
    const limited =
      over(
        perAccountPerHour,
        state.acts.filter((a) => a.account === request.account),
        `in account ${request.account}`,
      ) ?? over(globalPerHour, state.acts, 'across all accounts');
    if (limited) {
      if (overLimit === 'approval') return { verdict: 'approval', reason: limited.reason };
      return hold(`${limited.reason}; next slot at ${limited.retryAt}`, limited.retryAt);
    }
  }
  state.held = state.held.filter((id) => id !== request.workflowId);
  state.acts.push({ at: now, account: request.account, workflowId: request.workflowId });
  state.inflight.push(request.workflowId);
  return { verdict: 'go' };
}

export interface ActOutcome {
  workflowId: string;
  /** Acted and verified. */
  ok: boolean;
  detail: string;
}

/** An act finished; a failure or verification miss may open the breaker (returned: its reason). */
export function recordOutcome(
  state: ControlState,
  outcome: ActOutcome,
  breaker: CircuitBreaker,
  now: string,
): string | undefined {
  state.inflight = state.inflight.filter((id) => id !== outcome.workflowId);
  if (outcome.ok) return undefined;
  const t = ms(now);
  state.failures.push({ at: now, workflowId: outcome.workflowId, detail: outcome.detail.slice(0, 300) });
  state.failures = state.failures.filter((f) => t - ms(f.at) < breaker.windowMinutes * MINUTE_MS);
  if (state.breaker || state.failures.length < breaker.failures) return undefined;
  const reason = `${state.failures.length} failures or verification misses within ${breaker.windowMinutes} min (last: ${outcome.workflowId}: ${outcome.detail.slice(0, 200)})`;
  state.breaker = { openedAt: now, reason, quietMinutes: breaker.quietMinutes };
  return reason;
}

/** When an open breaker closes by itself: its quiet period after the last failure. */
export function breakerClosesAt(state: ControlState): string | undefined {
  if (!state.breaker) return undefined;
  const last = state.failures.at(-1)?.at ?? state.breaker.openedAt;
  return new Date(ms(last) + state.breaker.quietMinutes * MINUTE_MS).toISOString();
}

/** Closes the breaker if its quiet period has passed; returns true when it did. */
export function closeQuietBreaker(state: ControlState, now: string): boolean {
  const at = breakerClosesAt(state);
  if (!at || ms(now) < ms(at)) return false;
  state.breaker = undefined;
  state.failures = [];
  return true;
}

/** Resume: lifts the pause and closes the breaker; returns the held remediations to release. */
export function resume(state: ControlState): string[] {
  state.paused = undefined;
  state.breaker = undefined;
  state.failures = [];
  return state.held.splice(0);
}
