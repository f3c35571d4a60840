// Rotating an AWS access key, safe to crash at any point and to run again:
//   1. record on the user (tag) which keys existed before this remediation, once;
//   2. a key that exists now but not before was made by an earlier attempt: reuse it when Secrets Manager holds
//      its secret, else delete it (its secret is lost; nobody can be using it);
//   3. create a key only when none is reusable, never past AWS's limit of 2, and store its secret at once with a
//      ClientRequestToken derived from the remediation and the key (a retried store makes no second version);
//   4. deactivate the exposed key.
// The new secret never leaves this activity: the outcome carries key ids and the secret's ARN only.
import { createHash } from 'node:crypto';
import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  ListUserTagsCommand,
  TagUserCommand,
} from '@aws-sdk/client-iam';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-secrets-manager';
import { ApplicationFailure } from '@temporalio/activity';
import type { PlannedStep } from '../../workflows/remediation/definitions.ts';
import type { AwsClients } from '../aws/clients.ts';
import type { ActionContext } from './action.ts';
import { keysOf } from './deactivate-key.ts';

export const rotatedSecretName = (userName: string) => `nhi-enforce/${userName}/access-key`;
/** User tag recording a rotation in progress: `<remediation hash> <key ids before>`. */
export const ROTATION_TAG = 'nhi-enforce-rotation';
const AWS_KEY_LIMIT = 2;

const digest = (text: string) => createHash('sha256').update(text).digest('hex');
/** Secrets Manager wants 32–64 characters; the same remediation and key always give the same token. */
export const storeToken = (remediationId: string, keyId: string) =>
  digest(`${remediationId}\n${keyId}`).slice(0, 48);

export interface RotatedKey {
  old: string;
  new: string;
  secretArn?: string;
  secretVersion: string;
  /** The new key came from an earlier attempt of this remediation. */
  reused?: boolean;
  /** Keys an earlier attempt created whose secret was never stored, deleted. */
  discarded?: string[];
}

async function keysBefore(userName: string, remediationId: string, aws: AwsClients): Promise<string[]> {
  const mark = digest(remediationId).slice(0, 16);
  const tags = (await aws.iam.send(new ListUserTagsCommand({ UserName: userName }))).Tags ?? [];
  const value = tags.find((t) => t.Key === ROTATION_TAG)?.Value;
  const [seen, ...ids] = (value ?? '').split(' ');
  if (seen === mark) return ids;
  const now = (await keysOf(userName, aws)).map((k) => k.AccessKeyId!);
  await aws.iam.send(
    new TagUserCommand({
      UserName: userName,
      Tags: [{ Key: ROTATION_TAG, Value: [mark, ...now].join(' ') }],
    }),
  );
  return now;
}

/** The access key id stored under `secretName` (the value stays here). */
export async function storedKeyId(secretName: string, aws: AwsClients): Promise<string | undefined> {
  try {
    const out = await aws.secretsManager.send(new GetSecretValueCommand({ SecretId: secretName }));
    return (JSON.parse(out.SecretString ?? '{}') as { accessKeyId?: string }).accessKeyId;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

/** Stores the value as version `token` unless that version exists already; returns the secret's ARN. */
async function storeOnce(
  aws: AwsClients,
  name: string,
  value: string,
  token: string,
): Promise<string | undefined> {
  try {
    const described = await aws.secretsManager.send(new DescribeSecretCommand({ SecretId: name }));
    if (described.VersionIdsToStages?.[token]) return described.ARN;
    const out = await aws.secretsManager.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: value, ClientRequestToken: token }),
    );
    return out.ARN;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    const out = await aws.secretsManager.send(
      new CreateSecretCommand({
        Name: name,
        SecretString: value,
        ClientRequestToken: token,
        Description: 'access key rotated by nhi-enforce',
      }),
    );
    return out.ARN;
  }
}

/** Steps 1–3: a new key whose secret is stored, created at most once per remediation. */
export async function newStoredKey(
  step: PlannedStep,
  aws: AwsClients,
  ctx: ActionContext,
): Promise<RotatedKey> {
  const userName = step.detail.userName!;
  const secretName = step.detail.secretName ?? rotatedSecretName(userName);
  const before = new Set(await keysBefore(userName, ctx.remediationId, aws));
  const stored = await storedKeyId(secretName, aws);
  const discarded: string[] = [];
  let reused: string | undefined;
  for (const key of await keysOf(userName, aws)) {
    const id = key.AccessKeyId!;
    if (before.has(id) || id === step.target) continue;
    if (id === stored && key.Status === 'Active') reused = id;
    else {
      // Made by an earlier attempt that died before storing its secret (or deactivated since): nobody can use
      // it, so it is never left behind.
      await aws.iam.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: id }));
      discarded.push(id);
    }
  }
  const extra = discarded.length ? { discarded } : {};
  if (reused) {
    const secretArn = (await aws.secretsManager.send(new DescribeSecretCommand({ SecretId: secretName })))
      .ARN;
    return {
      old: step.target,
      new: reused,
      secretArn,
      secretVersion: storeToken(ctx.remediationId, reused),
      reused: true,
      ...extra,
    };
  }
  const count = (await keysOf(userName, aws)).length;
  if (count >= AWS_KEY_LIMIT)
    throw ApplicationFailure.nonRetryable(
      `${userName} already has ${count} access keys (AWS allows ${AWS_KEY_LIMIT}): rotation needs a free slot, and ` +
        'nhi-enforce never deletes a key that existed before the rotation — delete an unused one, then retry',
      'KeyLimit',
    );
  ctx.step('rotate-key:before-create');
  const created = (await aws.iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!;
  ctx.step('rotate-key:after-create');
  const token = storeToken(ctx.remediationId, created.AccessKeyId!);
  const secretArn = await storeOnce(
    aws,
    secretName,
    JSON.stringify({ accessKeyId: created.AccessKeyId, secretAccessKey: created.SecretAccessKey }),
    token,
  );
  ctx.step('rotate-key:after-store');
  return { old: step.target, new: created.AccessKeyId!, secretArn, secretVersion: token, ...extra };
}
