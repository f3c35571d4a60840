// rotate-secret: for an AWS access key, a new key stored in Secrets Manager, then the exposed key deactivated
// (rotate-access-key.ts); for a leaked secret, a new value for the Secrets Manager entry it came from
// (rotate-stored-secret.ts). Both are safe to crash at any step and to run again.
import { ACTION_SUPPORT } from '../../schemas/action-support.ts';
import type { RemediationAction } from './action.ts';
import { keysHaveStatus, keysOf, planKeyAction, setKeyStatus } from './deactivate-key.ts';
import { newStoredKey, type RotatedKey, rotatedSecretName, storedKeyId } from './rotate-access-key.ts';
import { executeSecretRotation, planSecretRotation, verifySecretRotation } from './rotate-stored-secret.ts';

export { rotatedSecretName };

export const rotateSecret: RemediationAction = {
  name: 'rotate-secret',
  description:
    'access key: issue a new key into Secrets Manager, then deactivate the exposed one; secret: put a new value',
  appliesTo: [...ACTION_SUPPORT['rotate-secret']!.identityTypes],
  async plan(identity, aws) {
    if (identity.type === 'secret') return planSecretRotation(identity, aws);
    const plan = await planKeyAction('rotate-secret', 'iam:UpdateAccessKey', identity, aws);
    return {
      ...plan,
      steps: plan.steps.map((s) => ({
        ...s,
        detail: { ...s.detail, secretName: rotatedSecretName(s.detail.userName!) },
      })),
      rollback: {
        possible: true,
        how: 'sets the exposed key Active again; the new key and its stored secret stay',
      },
    };
  },
  async execute(plan, aws, ctx) {
    if (plan.steps[0]?.api === 'secretsmanager:PutSecretValue') return executeSecretRotation(plan, aws, ctx);
    const rotated: RotatedKey[] = [];
    for (const step of plan.steps) rotated.push(await newStoredKey(step, aws, ctx));
    // Only now, with the new key stored, does the exposed one go.
    await setKeyStatus(plan, 'Inactive', aws);
    ctx.step('rotate-key:after-deactivate');
    return { rotated, preState: { status: 'Active' } };
  },
  async verify(plan, aws, outcome) {
    if (plan.steps[0]?.api === 'secretsmanager:PutSecretValue') return verifySecretRotation(plan, aws);
    const old = await keysHaveStatus(plan, 'Inactive', aws);
    if (!old.ok) return old;
    for (const r of (outcome?.rotated as RotatedKey[] | undefined) ?? []) {
      const step = plan.steps.find((s) => s.target === r.old);
      if (!step) continue;
      const fresh = (await keysOf(step.detail.userName!, aws)).find((k) => k.AccessKeyId === r.new);
      if (fresh?.Status !== 'Active') return { ok: false, detail: `new key ${r.new} is not active` };
      if ((await storedKeyId(step.detail.secretName!, aws)) !== r.new)
        return { ok: false, detail: `${step.detail.secretName} does not hold the new key ${r.new}` };
    }
    return { ok: true, detail: `${old.detail}; new key active and stored` };
  },
  async rollback(plan, _outcome, aws) {
    return { reactivated: await setKeyStatus(plan, 'Active', aws) };
  },
  verifyRollback: (plan, _outcome, aws) => keysHaveStatus(plan, 'Active', aws),
};
