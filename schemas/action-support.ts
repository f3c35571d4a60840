// What each built-in remediation action can act on, and which principal it changes. Pure data, shared by the
// actions (activities/actions), the policy's meaning check and the identity workflow (which keys a remediation by
// the principal it changes, so two proposers of one change share one workflow).
import type { IdentityType } from './identity.ts';

export interface ActionSupport {
  /** Identity types a rule may send this action to; anything else is a policy error. */
  identityTypes: readonly IdentityType[];
  /**
   * What the action changes: `self` the identity itself (an access key, a user's keys), `principal` the IAM user
   * or role behind it (for an access key: the user that owns it in IAM, never a finding's claim).
   */
  changes: 'self' | 'principal';
}

export const ACTION_SUPPORT: Readonly<Record<string, ActionSupport>> = {
  'deactivate-key': { identityTypes: ['aws-access-key', 'aws-user'], changes: 'self' },
  // An access key: a new key stored, the old one deactivated. A scanner's secret: a new value for the Secrets
  // Manager entry (in the worker's own account) whose current value has the leaked fingerprint.
  'rotate-secret': { identityTypes: ['aws-access-key', 'secret'], changes: 'self' },
  quarantine: { identityTypes: ['aws-user', 'aws-role', 'aws-access-key'], changes: 'principal' },
  // Denies credentials issued before the moment it executes (aws:TokenIssueTime): temporary sessions of a role or
  // of a user (and of the user an access key belongs to). A long-term key carries no issue time: not affected.
  'revoke-sessions': { identityTypes: ['aws-user', 'aws-role', 'aws-access-key'], changes: 'principal' },
  'scope-down': { identityTypes: ['aws-user', 'aws-role', 'aws-access-key'], changes: 'principal' },
};

/**
 * Action names a policy may already use that no worker carries out yet. The schema knows the name (so it is not a
 * typo), and the meaning check refuses it with the words below, so a worker never starts on a rule it cannot run.
 */
export const PLANNED_ACTIONS = ['delete-key'] as const;

export const isPlannedAction = (name: string): boolean =>
  (PLANNED_ACTIONS as readonly string[]).includes(name);

/** The one wording for a planned action, used by the schema's message and the meaning check alike. */
export const notImplementedYet = (name: string): string => `${name} is not implemented by any worker yet`;

export const supportOf = (action: string): ActionSupport | undefined =>
  Object.hasOwn(ACTION_SUPPORT, action) ? ACTION_SUPPORT[action] : undefined;

/**
 * The key of the identity an action changes: the identity itself, or the IAM principal behind it (resolved from
 * the cloud by the assessment). Unknown principal: the identity's own key (its plan finds nothing to change).
 */
export function changedIdentityKey(
  action: string,
  identity: { key: string },
  principal: string | undefined,
): string {
  return supportOf(action)?.changes === 'principal' && principal ? principal : identity.key;
}
