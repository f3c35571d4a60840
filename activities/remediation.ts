// Remediation activities: look the action up by name and run its plan / execute / verify step in the account
// the identity lives in (from AWS, never from a finding), with that account's clients. An account the worker is
// not configured for is refused at planning; an identity type the action does not support is not applicable.
import { ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { ApplicationFailure } from '@temporalio/activity';
import type { RemediationInput, RemediationPlan } from '../workflows/remediation/definitions.ts';
import type { RemediationAction } from './actions/action.ts';
import { actionNamed } from './actions/registry.ts';
import { type AccountClients, AccountNotConfiguredError } from './aws/account-clients.ts';
import type { AwsClients } from './aws/clients.ts';
import { identityAccount } from './aws/identity-account.ts';

function lookup(name: string, actions: readonly RemediationAction[]): RemediationAction {
  try {
    return actionNamed(name, actions);
  } catch (error) {
    // Retrying cannot make an unknown action known.
    throw ApplicationFailure.nonRetryable((error as Error).message, 'UnknownAction');
  }
}

/** A user's access keys act with its permissions: a change to the user changes what each key can do. */
async function accessKeysOfChangedUsers(plan: RemediationPlan, aws: AwsClients): Promise<string[]> {
  const users = new Set<string>();
  for (const step of plan.steps) {
    if (step.api === 'iam:PutUserPolicy') users.add(step.target);
    else if (step.detail.userName) users.add(step.detail.userName);
  }
  const keys: string[] = [];
  for (const UserName of users) {
    const out = await aws.iam.send(new ListAccessKeysCommand({ UserName }));
    for (const k of out.AccessKeyMetadata ?? [])
      if (k.AccessKeyId) keys.push(`aws:access-key:${k.AccessKeyId}`);
  }
  return keys;
}

export function createRemediationActivities(
  base: AwsClients,
  accounts: AccountClients,
  actions: readonly RemediationAction[],
) {
  /** Clients in the plan's account; a plan without one (or an account no longer configured) cannot act. */
  const clientsFor = async (plan: RemediationPlan) => {
    if (!plan.account)
      throw ApplicationFailure.nonRetryable('the plan names no account to act in', 'NoAccount');
    try {
      return await accounts.clientsForAccount(plan.account);
    } catch (error) {
      if (error instanceof AccountNotConfiguredError)
        throw ApplicationFailure.nonRetryable(error.message, 'AccountNotConfigured');
      throw error;
    }
  };
  return {
    async planRemediation(input: RemediationInput): Promise<RemediationPlan> {
      const action = lookup(input.action, actions);
      const base_ = { action: input.action, identityKey: input.identity.key, steps: [] };
      if (!action.appliesTo.includes(input.identity.type))
        return {
          ...base_,
          notApplicable: `${input.action} does not act on ${input.identity.type} (only ${action.appliesTo.join(', ')})`,
        };
      const account = await identityAccount(input.identity, base);
      if (!account)
        return {
          ...base_,
          notApplicable: `AWS knows no account for ${input.identity.key}: nothing to act on`,
        };
      let aws: AwsClients;
      try {
        aws = await accounts.clientsForAccount(account);
      } catch (error) {
        if (error instanceof AccountNotConfiguredError) return { ...base_, account, refused: error.message };
        throw error;
      }
      const plan = await action.plan(input.identity, aws);
      const affects = (await accessKeysOfChangedUsers(plan, aws)).filter((k) => k !== input.identity.key);
      return { ...plan, account, ...(affects.length ? { affects } : {}) };
    },
    executeRemediation: async (plan: RemediationPlan) =>
      lookup(plan.action, actions).execute(plan, await clientsFor(plan)),
    verifyRemediation: async (plan: RemediationPlan) =>
      lookup(plan.action, actions).verify(plan, await clientsFor(plan)),
  };
}
