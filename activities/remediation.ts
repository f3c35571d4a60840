// Remediation activities: look the action up by name and run its plan / execute / verify step in the account
// the identity lives in (from AWS, never from a finding), with that account's clients. An account the worker is
// not configured for is refused at planning; an identity type the action does not support is not applicable.
import { ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { RemediationInput, RemediationPlan } from '../workflows/remediation/definitions.ts';
import type { ActionContext, RemediationAction } from './actions/action.ts';
import { crashIfAsked } from './actions/crash-hook.ts';
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

/** Inside an activity: each step heartbeats (a killed worker is noticed within the heartbeat timeout). */
function activityContext(remediationId: string, actingAt?: string): ActionContext {
  return {
    remediationId,
    ...(actingAt ? { actingAt } : {}),
    step(name) {
      Context.current().heartbeat(name);
      crashIfAsked(name);
    },
  };
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
      // A scanner's secret has no account of its own: its Secrets Manager entry is looked for where the worker is.
      const account =
        input.identity.type === 'secret'
          ? await accounts.homeAccount()
          : await identityAccount(input.identity, base);
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
      const plan = await action.plan(input.identity, aws, {
        usedActions: input.usedActions,
        scopeDownStrategy: input.followUp?.scopeDown,
      });
      const affects = (await accessKeysOfChangedUsers(plan, aws)).filter((k) => k !== input.identity.key);
      return {
        ...plan,
        account,
        ...(affects.length ? { affects } : {}),
        rollback: plan.rollback ?? {
          possible: action.rollback !== undefined,
          how: action.rollback ? 'restores the recorded pre-state' : (action.irreversible ?? 'no rollback'),
        },
      };
    },
    executeRemediation: async (plan: RemediationPlan, remediationId: string, actingAt?: string) =>
      lookup(plan.action, actions).execute(
        plan,
        await clientsFor(plan),
        activityContext(remediationId, actingAt),
      ),
    verifyRemediation: async (plan: RemediationPlan, outcome?: Record<string, unknown>) =>
      lookup(plan.action, actions).verify(plan, await clientsFor(plan), outcome),
    async rollbackRemediation(
      plan: RemediationPlan,
      outcome: Record<string, unknown>,
      remediationId: string,
    ) {
      const action = lookup(plan.action, actions);
      if (!action.rollback || plan.rollback?.possible === false)
        throw ApplicationFailure.nonRetryable(
          `${plan.action} cannot be rolled back: ${plan.rollback?.how ?? action.irreversible ?? 'no rollback'}`,
          'Irreversible',
        );
      return action.rollback(plan, outcome, await clientsFor(plan), activityContext(remediationId));
    },
    async verifyRollback(plan: RemediationPlan, outcome: Record<string, unknown>) {
      const action = lookup(plan.action, actions);
      if (!action.verifyRollback) return { ok: false, detail: `${plan.action} has no rollback check` };
      return action.verifyRollback(plan, outcome, await clientsFor(plan));
    },
  };
}
