// What a well-formed policy means, checked against what this worker can do: a rule naming an action the worker
// does not have, or sending an action identity types it cannot act on, is an error — found when the policy is
// read (`nhi policy check`, worker start, reload), not when a remediation runs. One line per problem.
import { ACTION_SUPPORT, type ActionSupport } from './action-support.ts';
import type { Policy } from './policy.ts';

/**
 * A further check over the whole policy, for facts this module does not know: e.g. that every approval group has
 * members in the people directory (added with the directory). Returns one line per problem, paths as below.
 */
export type PolicyMeaningCheck = (policy: Policy) => string[];

export interface MeaningContext {
  /** Actions this worker carries out, by name (default: the built-in ones). */
  actions?: Readonly<Record<string, ActionSupport>>;
  extraChecks?: readonly PolicyMeaningCheck[];
}

/** Every meaning error of a schema-valid policy, one line each (`rules[1](exposed-secret).action: …`); [] if none. */
export function policyMeaningErrors(policy: Policy, context: MeaningContext = {}): string[] {
  const actions = context.actions ?? ACTION_SUPPORT;
  const errors: string[] = [];
  policy.rules.forEach((rule, i) => {
    const at = `rules[${i}](${rule.id})`;
    const support = Object.hasOwn(actions, rule.action) ? actions[rule.action] : undefined;
    if (!support) {
      errors.push(
        `${at}.action: unknown action '${rule.action}' (this worker has ${Object.keys(actions).join(', ')})`,
      );
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
  for (const check of context.extraChecks ?? []) errors.push(...check(policy));
  return errors;
}
