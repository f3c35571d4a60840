// rotate-secret for an AWS access key: create a new key, store it in Secrets Manager (where the workload reads
// its credentials from), then deactivate the exposed one. The new secret never enters workflow history: the
// activity returns only the new key id and the secret's ARN.
import { CreateAccessKeyCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-secrets-manager';
import { ACTION_SUPPORT } from '../../schemas/action-support.ts';
import type { AwsClients } from '../aws/clients.ts';
import type { RemediationAction } from './action.ts';
import { deactivateKey, planKeyAction } from './deactivate-key.ts';

export const rotatedSecretName = (userName: string) => `nhi-enforce/${userName}/access-key`;

async function storeSecret(aws: AwsClients, name: string, value: string): Promise<string | undefined> {
  try {
    const out = await aws.secretsManager.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: value }),
    );
    return out.ARN;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    const out = await aws.secretsManager.send(
      new CreateSecretCommand({ Name: name, SecretString: value, Description: 'rotated by nhi-enforce' }),
    );
    return out.ARN;
  }
}

export const rotateSecret: RemediationAction = {
  name: 'rotate-secret',
  description: 'issue a new access key into Secrets Manager, then deactivate the exposed key',
  appliesTo: [...ACTION_SUPPORT['rotate-secret']!.identityTypes],
  async plan(identity, aws) {
    const plan = await planKeyAction('rotate-secret', 'iam:UpdateAccessKey', identity, aws);
    return {
      ...plan,
      steps: plan.steps.map((s) => ({
        ...s,
        detail: { ...s.detail, secretName: rotatedSecretName(s.detail.userName!) },
      })),
    };
  },
  async execute(plan, aws) {
    const rotated: Array<{ old: string; new: string; secretArn?: string }> = [];
    for (const step of plan.steps) {
      const userName = step.detail.userName!;
      const created = await aws.iam.send(new CreateAccessKeyCommand({ UserName: userName }));
      const key = created.AccessKey!;
      const secretArn = await storeSecret(
        aws,
        step.detail.secretName!,
        JSON.stringify({ accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey }),
      );
      await aws.iam.send(
        new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: step.target, Status: 'Inactive' }),
      );
      rotated.push({ old: step.target, new: key.AccessKeyId!, secretArn });
    }
    return { rotated };
  },
  verify: (plan, aws) => deactivateKey.verify(plan, aws),
};
