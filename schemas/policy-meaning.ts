// What a well-formed policy means, checked against what this worker can do: a rule naming an action the worker
// does not have, or sending an action identity types it cannot act on, is an error — found when the policy is
// read (`nhi policy check`, worker start, reload), not when a remediation runs. One line per problem.

import { STS_MAX_SECONDS, STS_MIN_SECONDS } from './access.ts';
import { isTeamActionName, type RegisteredAction, teamActionProblem } from './action-contract.ts';
import { ACTION_SUPPORT, type ActionSupport, isPlannedAction, notImplementedYet } from './action-support.ts';
import { durationMs, formatDuration } from './duration.ts';
import type { Policy } from './policy.ts';

/**
 * A further check over the whole policy, for facts this module does not know: e.g. that every approval group has
 * members in the people directory (added with the directory). Returns one line per problem, paths as below.
 */
export type PolicyMeaningCheck = (policy: Policy) => string[];

export interface MeaningContext {
  /** Actions this worker carries out, by name (default: the built-in ones). */
  actions?: Readonly<Record<string, ActionSupport>>;
  /**
   * The team actions registered with the action registry (`nhi policy check` asks Temporal). Absent (the worker's
   * own reading, which cannot wait on Temporal): team actions are checked when a remediation resolves them.
   */
  teamActions?: readonly RegisteredAction[];
  extraChecks?: readonly PolicyMeaningCheck[];
}

/** Every meaning error of a schema-valid policy, one line each (`rules[1](exposed-secret).action: …`); [] if none. */
export function policyMeaningErrors(policy: Policy, context: MeaningContext = {}): string[] {
  const actions = context.actions ?? ACTION_SUPPORT;
  const errors: string[] = [];
  policy.rules.forEach((rule, i) => {
    const at = `rules[${i}](${rule.id})`;
    if (isTeamActionName(rule.action) && !Object.hasOwn(actions, rule.action)) {
      if (context.teamActions) errors.push(...teamRuleErrors(at, rule, context.teamActions));
      return;
    }
    const support = Object.hasOwn(actions, rule.action) ? actions[rule.action] : undefined;
    if (!support) {
      const what = isPlannedAction(rule.action)
        ? notImplementedYet(rule.action)
        : `unknown action '${rule.action}'`;
      errors.push(`${at}.action: ${what} (this worker has ${Object.keys(actions).join(', ')})`);
      return;
    }
    const types = rule.when.identityTypes;
    if (!types) {
      errors.push(
        `${at}.when.identityTypes: missing, so ${rule.action} would be sent every identity type; it supports only ${support.identityTypes.join(', ')}`,
      );
      return;
    }
    const unsupported = types.filter((t) => !support.identityTypes.includes(t));
    if (unsupported.length)
      errors.push(
        `${at}.when.identityTypes: ${rule.action} cannot act on ${unsupported.join(', ')} (it supports ${support.identityTypes.join(', ')})`,
      );
  });
  (policy.enforcement?.protected ?? []).forEach((pattern, i) => {
    const why = protectedPatternProblem(pattern);
    if (why) errors.push(`enforcement.protected[${i}]: '${pattern}' matches no identity: ${why}`);
  });
  errors.push(...protectedActionErrors(policy));
  errors.push(...autoApprovalErrors(policy));
  for (const check of context.extraChecks ?? []) errors.push(...check(policy));
  return errors;
}

/** A rule naming a team action: registered, sent only identity types it acts on, params that fit its schema. */
function teamRuleErrors(at: string, rule: Policy['rules'][number], registered: readonly RegisteredAction[]) {
  const types = rule.when.identityTypes;
  const known = teamActionProblem(registered, rule.action, undefined, rule.params);
  if (!known.ok) {
    const where = known.reason.includes('params do not fit') ? 'params' : 'action';
    return [`${at}.${where}: ${known.reason}`];
  }
  const supported = known.action.identityTypes;
  if (!types)
    return [
      `${at}.when.identityTypes: missing, so ${rule.action} would be sent every identity type; it supports only ${supported.join(', ')}`,
    ];
  const unsupported = types.filter((t) => !supported.includes(t));
  return unsupported.length
    ? [
        `${at}.when.identityTypes: ${rule.action} cannot act on ${unsupported.join(', ')} (it supports ${supported.join(', ')})`,
      ]
    : [];
}

/**
 * Why a protected pattern can never match an identity key, or undefined. Keys are IAM ARNs
 * (`arn:aws:iam::123456789012:role/NAME`), `aws:access-key:AKIA…` or `secret:…`; `*` stands for anything. A
 * pattern no key can match protects nothing, silently: the break-glass role it meant stays exposed.
 */
export function protectedPatternProblem(pattern: string): string | undefined {
  if (pattern.startsWith('*') || /^(aws:access-key:|secret:)/.test(pattern)) return undefined;
  if (!pattern.startsWith('arn:'))
    return 'identity keys are ARNs (arn:aws:iam::123456789012:role/NAME), aws:access-key:… or secret:…';
  const parts = pattern.split(':');
  if (parts.length < 6 && !pattern.includes('*'))
    return 'an ARN has six parts: arn:PARTITION:iam::ACCOUNT:RESOURCE';
  const [, , service = '', , account = '', ...rest] = parts;
  const wild = (s: string) => s.includes('*');
  if (!wild(service) && service !== 'iam' && service !== 'sts')
    return `identities are IAM principals (service iam), not ${service}`;
  if (!wild(account) && !/^\d{12}$/.test(account)) return `account '${account}' is not 12 digits`;
  const resource = rest.join(':');
  if (!wild(resource) && !/^(user|role|assumed-role)\//.test(resource))
    return `'${resource}' names no user or role (user/NAME, role/NAME)`;
  return undefined;
}

/** What a protected action's entry means: a duration STS can issue, an approval for risky actions, real requesters. */
export function protectedActionErrors(policy: Policy): string[] {
  const errors: string[] = [];
  (policy.protectedActions ?? []).forEach((a, i) => {
    const at = `protectedActions[${i}](${a.name})`;
    const ms = durationMs(a.maxDuration) ?? 0;
    if (ms < STS_MIN_SECONDS * 1000 || ms > STS_MAX_SECONDS * 1000)
      errors.push(
        `${at}.maxDuration: ${a.maxDuration} is outside what sts:AssumeRole issues (${formatDuration(STS_MIN_SECONDS * 1000)} to ${formatDuration(STS_MAX_SECONDS * 1000)})`,
      );
    if ((a.risk === 'high' || a.risk === 'critical') && !a.approval)
      errors.push(`${at}.approval: missing, but a ${a.risk}-risk action is never granted without approval`);
    if (a.approval?.onTimeout === 'auto')
      errors.push(
        `${at}.approval.onTimeout: auto would grant access nobody approved (use cancel or escalate)`,
      );
    a.requesters.identities.forEach((key, j) => {
      const why = key.includes('*')
        ? 'a requester is one identity, not a pattern'
        : protectedPatternProblem(key);
      if (why) errors.push(`${at}.requesters.identities[${j}]: '${key}' names no identity: ${why}`);
    });
  });
  return errors;
}

/** A timeout at or under this is "short": an approval nobody can realistically give in time. */
const SHORT_APPROVAL_MS = 24 * 3_600_000;

/**
 * Rules that act with nobody's approval while their mode says `approval`: `onTimeout: auto` acts once the timeout
 * passes, so a short timeout (or a zero threshold, which fires on every identity it matches) is automatic
 * enforcement in disguise. It is an error unless the rule says `autoApprove: true`; `mode: auto` says so by name.
 */
export function autoApprovalErrors(policy: Policy): string[] {
  const errors: string[] = [];
  policy.rules.forEach((rule, i) => {
    if (rule.mode !== 'approval' || rule.approval?.onTimeout !== 'auto' || rule.autoApprove) return;
    const timeout = rule.approval.timeout;
    const ms = durationMs(timeout) ?? Number.POSITIVE_INFINITY;
    const worse = [
      ...(ms <= SHORT_APPROVAL_MS ? [`a short timeout (${timeout})`] : []),
      ...(rule.when.minScore === 0 ? ['a zero threshold (minScore 0)'] : []),
    ];
    errors.push(
      `rules[${i}](${rule.id}).approval.onTimeout: auto acts after ${timeout} with nobody's approval${worse.length ? `, with ${worse.join(' and ')}` : ''}: effective auto-approval; say autoApprove: true on the rule if that is meant, else use cancel or escalate`,
    );
  });
  return errors;
}
