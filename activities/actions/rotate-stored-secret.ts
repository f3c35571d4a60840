// Rotating a leaked secret where it lives in Secrets Manager. The finding holds only a keyed fingerprint, so the
// entry is found by fingerprinting each candidate's current value (and each string field of a JSON value) with
// the same key and comparing; no value leaves this activity. The new value becomes AWSCURRENT (the leaked one
// AWSPREVIOUS) as the version named by a token derived from the remediation: a retry finds that version and
// makes no second one.
import { createHash, randomBytes } from 'node:crypto';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
} from '@aws-sdk/client-secrets-manager';
import { ApplicationFailure } from '@temporalio/activity';
import type { IdentityRef } from '../../schemas/identity.ts';
import { fingerprint, fingerprintKeyFromEnv } from '../../schemas/redaction.ts';
import type { RemediationPlan } from '../../workflows/remediation/definitions.ts';
import type { AwsClients } from '../aws/clients.ts';
import type { ActionContext, Verification } from './action.ts';

const API = 'secretsmanager:PutSecretValue';
const IRREVERSIBLE = 'a rollback would make the leaked value current again';

/** The identity key ends with the fingerprint's first 16 hex characters (schemas/identity-keys.ts). */
const fingerprintPrefix = (identity: IdentityRef) => identity.key.split(':').at(-1) ?? '';

export const secretVersionToken = (remediationId: string, secretArn: string) =>
  createHash('sha256').update(`${remediationId}\n${secretArn}`).digest('hex').slice(0, 48);

/** Where in the value the leaked secret sits: the whole string, or one field of a JSON object. */
function matchIn(value: string, prefix: string, key: string): { field?: string } | undefined {
  if (fingerprint(value, key).startsWith(prefix)) return {};
  try {
    const parsed = JSON.parse(value) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      for (const [field, inner] of Object.entries(parsed))
        if (typeof inner === 'string' && fingerprint(inner, key).startsWith(prefix)) return { field };
  } catch {
    // not JSON: only the whole value counts
  }
  return undefined;
}

async function currentValue(aws: AwsClients, secretId: string) {
  const out = await aws.secretsManager.send(new GetSecretValueCommand({ SecretId: secretId }));
  return { value: out.SecretString, versionId: out.VersionId };
}

export async function planSecretRotation(identity: IdentityRef, aws: AwsClients): Promise<RemediationPlan> {
  const base = {
    action: 'rotate-secret',
    identityKey: identity.key,
    rollback: { possible: false, how: IRREVERSIBLE },
  };
  const prefix = fingerprintPrefix(identity);
  if (!/^[0-9a-f]{16}$/.test(prefix))
    return { ...base, steps: [], noop: 'the identity carries no fingerprint' };
  const key = fingerprintKeyFromEnv();
  let checked = 0;
  let NextToken: string | undefined;
  do {
    const page = await aws.secretsManager.send(new ListSecretsCommand({ NextToken }));
    for (const entry of page.SecretList ?? []) {
      if (!entry.ARN) continue;
      checked += 1;
      const { value, versionId } = await currentValue(aws, entry.ARN).catch(() => ({
        value: undefined,
        versionId: undefined,
      }));
      const match = value === undefined ? undefined : matchIn(value, prefix, key);
      if (match)
        return {
          ...base,
          steps: [
            {
              api: API,
              target: entry.ARN,
              detail: {
                name: entry.Name ?? '',
                leakedVersion: versionId ?? '',
                ...(match.field ? { field: match.field } : {}),
              },
            },
          ],
        };
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return {
    ...base,
    steps: [],
    noop: `no Secrets Manager entry in this account holds the leaked value (${checked} checked): rotate it where it lives; the finding stays open`,
  };
}

function freshValue(old: string, field: string | undefined): string {
  const generated = randomBytes(32).toString('base64url');
  if (!field) return generated;
  return JSON.stringify({ ...(JSON.parse(old) as Record<string, unknown>), [field]: generated });
}

export async function executeSecretRotation(plan: RemediationPlan, aws: AwsClients, ctx: ActionContext) {
  const rotated: Array<{ secret: string; version: string; previous: string }> = [];
  for (const step of plan.steps) {
    const token = secretVersionToken(ctx.remediationId, step.target);
    const described = await aws.secretsManager.send(new DescribeSecretCommand({ SecretId: step.target }));
    if (!described.VersionIdsToStages?.[token]) {
      const { value } = await currentValue(aws, step.target);
      if (value === undefined)
        throw ApplicationFailure.nonRetryable(`${step.target} has no string value to rotate`, 'NotRotatable');
      ctx.step('rotate-stored-secret:before-put');
      await aws.secretsManager.send(
        new PutSecretValueCommand({
          SecretId: step.target,
          ClientRequestToken: token,
          SecretString: freshValue(value, step.detail.field),
        }),
      );
    }
    ctx.step('rotate-stored-secret:after-put');
    rotated.push({ secret: step.target, version: token, previous: step.detail.leakedVersion ?? '' });
  }
  return { rotated };
}

export async function verifySecretRotation(plan: RemediationPlan, aws: AwsClients): Promise<Verification> {
  const prefix = fingerprintPrefix({ key: plan.identityKey } as IdentityRef);
  const key = fingerprintKeyFromEnv();
  for (const step of plan.steps) {
    const { value, versionId } = await currentValue(aws, step.target);
    if (versionId === step.detail.leakedVersion)
      return { ok: false, detail: `${step.detail.name}: the leaked version is still AWSCURRENT` };
    if (value !== undefined && matchIn(value, prefix, key))
      return {
        ok: false,
        detail: `${step.detail.name}: the current value still matches the leaked fingerprint`,
      };
  }
  return { ok: true, detail: `${plan.steps.length} secret(s) have a new AWSCURRENT value` };
}
