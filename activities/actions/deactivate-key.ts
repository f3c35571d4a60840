// deactivate-key: set an access key (or every active key of a user) Inactive. Reversible: rollback sets the keys
// it deactivated Active again.
import { ListAccessKeysCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { ACTION_SUPPORT } from '../../schemas/action-support.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import type { RemediationPlan } from '../../workflows/remediation/definitions.ts';
import type { AwsClients } from '../aws/clients.ts';
import { accessKeyIdOf } from '../aws/identity-account.ts';
import { accessKeyOwner } from './access-key-owner.ts';
import { type RemediationAction, userNameFromArn, type Verification } from './action.ts';

export async function keysOf(userName: string, aws: AwsClients) {
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

/** Every planned key has `status` (keys deleted since count as done). */
export async function keysHaveStatus(
  plan: RemediationPlan,
  status: 'Active' | 'Inactive',
  aws: AwsClients,
): Promise<Verification> {
  for (const step of plan.steps) {
    const keys = await keysOf(step.detail.userName!, aws);
    const key = keys.find((k) => k.AccessKeyId === step.target);
    if (key && key.Status !== status) return { ok: false, detail: `${step.target} is ${key.Status}` };
  }
  return { ok: true, detail: `${plan.steps.length} key(s) ${status.toLowerCase()}` };
}

export async function setKeyStatus(
  plan: RemediationPlan,
  status: 'Active' | 'Inactive',
  aws: AwsClients,
): Promise<string[]> {
  const changed: string[] = [];
  for (const step of plan.steps) {
    const userName = step.detail.userName!;
    const key = (await keysOf(userName, aws)).find((k) => k.AccessKeyId === step.target);
    if (!key || key.Status === status) continue; // check-then-act: already there (or deleted)
    await aws.iam.send(
      new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: step.target, Status: status }),
    );
    changed.push(step.target);
  }
  return changed;
}

export const deactivateKey: RemediationAction = {
  name: 'deactivate-key',
  description: 'set the access key (or all active keys of the user) Inactive; reversible',
  appliesTo: [...ACTION_SUPPORT['deactivate-key']!.identityTypes],
  async plan(identity, aws) {
    const plan = await planKeyAction('deactivate-key', 'iam:UpdateAccessKey', identity, aws);
    return { ...plan, rollback: { possible: true, how: 'sets the deactivated key(s) Active again' } };
  },
  async execute(plan, aws, ctx) {
    ctx.step('deactivate-key:before-update');
    await setKeyStatus(plan, 'Inactive', aws);
    // The plan only targets keys that were Active: that is the pre-state rollback restores.
    return { deactivated: plan.steps.map((s) => s.target), preState: { status: 'Active' } };
  },
  verify: (plan, aws) => keysHaveStatus(plan, 'Inactive', aws),
  async rollback(plan, _outcome, aws) {
    return { reactivated: await setKeyStatus(plan, 'Active', aws) };
  },
  verifyRollback: (plan, _outcome, aws) => keysHaveStatus(plan, 'Active', aws),
};
