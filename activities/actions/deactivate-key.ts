// deactivate-key: set an access key (or every active key of a user) Inactive. Reversible: rollback sets Active.
import { ListAccessKeysCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { ACTION_SUPPORT } from '../../schemas/action-support.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import type { RemediationPlan } from '../../workflows/remediation/definitions.ts';
import type { AwsClients } from '../aws/clients.ts';
import { accessKeyIdOf } from '../aws/identity-account.ts';
import { accessKeyOwner } from './access-key-owner.ts';
import { type RemediationAction, userNameFromArn } from './action.ts';

async function keysOf(userName: string, aws: AwsClients) {
  const out = await aws.iam.send(new ListAccessKeysCommand({ UserName: userName }));
  return out.AccessKeyMetadata ?? [];
}

export async function planKeyAction(
  action: string,
  api: string,
  identity: IdentityRef,
  aws: AwsClients,
): Promise<RemediationPlan> {
  const base = { action, identityKey: identity.key, steps: [] };
  const userName =
    identity.type === 'aws-user' ? userNameFromArn(identity.key) : await accessKeyOwner(identity, aws);
  if (!userName) return { ...base, noop: 'the access key does not exist (already deleted?)' };
  const keys = await keysOf(userName, aws);
  const wanted =
    identity.type === 'aws-access-key' ? keys.filter((k) => k.AccessKeyId === accessKeyIdOf(identity)) : keys;
  const targets = api === 'iam:UpdateAccessKey' ? wanted.filter((k) => k.Status === 'Active') : wanted;
  if (targets.length === 0)
    return {
      ...base,
      noop: api === 'iam:UpdateAccessKey' ? 'no active access key to deactivate' : 'no access key to act on',
    };
  return { ...base, steps: targets.map((k) => ({ api, target: k.AccessKeyId ?? '', detail: { userName } })) };
}

export const deactivateKey: RemediationAction = {
  name: 'deactivate-key',
  description: 'set the access key (or all active keys of the user) Inactive; reversible',
  appliesTo: [...ACTION_SUPPORT['deactivate-key']!.identityTypes],
  plan: (identity, aws) => planKeyAction('deactivate-key', 'iam:UpdateAccessKey', identity, aws),
  async execute(plan, aws) {
    for (const step of plan.steps) {
      await aws.iam.send(
        new UpdateAccessKeyCommand({
          UserName: step.detail.userName,
          AccessKeyId: step.target,
          Status: 'Inactive',
        }),
      );
    }
    return { deactivated: plan.steps.map((s) => s.target) };
  },
  async verify(plan, aws) {
    for (const step of plan.steps) {
      const keys = await keysOf(step.detail.userName!, aws);
      const key = keys.find((k) => k.AccessKeyId === step.target);
      if (key && key.Status !== 'Inactive')
        return { ok: false, detail: `${step.target} is still ${key.Status}` };
    }
    return { ok: true, detail: `${plan.steps.length} key(s) inactive` };
  },
};
