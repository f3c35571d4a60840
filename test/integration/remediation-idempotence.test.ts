// Each state-changing action, interrupted at each of its steps and run again with the same remediation id (what a
// retried activity does after a worker crash), ends in the state of one clean run: for an access-key rotation
// exactly one new key, stored, the old one inactive; for a Secrets Manager rotation exactly one new version.
import { randomUUID } from 'node:crypto';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  ListAccessKeysCommand,
  ListUsersCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
} from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import type { ActionContext } from '../../activities/actions/action.ts';
import { actionNamed } from '../../activities/actions/registry.ts';
import { rotatedSecretName } from '../../activities/actions/rotate-secret.ts';
import { awsClients, awsClientsFor } from '../../activities/aws/clients.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import { secretIdentity } from '../../schemas/identity-keys.ts';
import { fingerprint, fingerprintKeyFromEnv } from '../../schemas/redaction.ts';

const aws = () => awsClients();
class Crash extends Error {}

/** A context that "crashes" (throws) the first time it reaches `at`. */
function crashingAt(at: string | undefined, remediationId: string): ActionContext & { seen: string[] } {
  let crashed = false;
  const seen: string[] = [];
  return {
    remediationId,
    seen,
    step(name) {
      seen.push(name);
      if (name === at && !crashed) {
        crashed = true;
        throw new Crash(name);
      }
    },
  };
}

async function userWithKey() {
  const { iam } = aws();
  const name = `idem-${randomUUID().slice(0, 8)}`;
  const user = (await iam.send(new CreateUserCommand({ UserName: name }))).User!;
  await iam.send(
    new PutUserPolicyCommand({
      UserName: name,
      PolicyName: 'work',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }],
      }),
    }),
  );
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  const keyRef: IdentityRef = {
    key: `aws:access-key:${key.AccessKeyId}`,
    type: 'aws-access-key',
    provider: 'aws',
    name: key.AccessKeyId!,
    aliases: [],
    owner: user.Arn!,
  };
  return { name, keyRef, oldKeyId: key.AccessKeyId! };
}

const keysOf = async (name: string) =>
  (await aws().iam.send(new ListAccessKeysCommand({ UserName: name }))).AccessKeyMetadata ?? [];

describe('access-key rotation survives a crash at every step', () => {
  const steps = [
    'rotate-key:before-create',
    'rotate-key:after-create',
    'rotate-key:after-store',
    'rotate-key:after-deactivate',
  ];

  it.each(steps)(
    'crash at %s, then a retry: one new key, stored and working, old key inactive',
    async (at) => {
      const { name, keyRef, oldKeyId } = await userWithKey();
      const action = actionNamed('rotate-secret');
      const plan = await action.plan(keyRef, aws());
      const remediationId = `remediate/rotate-secret/${randomUUID()}`;
      const ctx = crashingAt(at, remediationId);
      await expect(action.execute(plan, aws(), ctx)).rejects.toBeInstanceOf(Crash);
      const outcome = (await action.execute(plan, aws(), ctx)) as {
        rotated: Array<{ new: string; reused?: boolean; discarded?: string[] }>;
      };
      // And once more, as a re-enforcement or a duplicate delivery would: still nothing new.
      await action.execute(plan, aws(), ctx);

      const keys = await keysOf(name);
      expect(keys).toHaveLength(2);
      expect(keys.find((k) => k.AccessKeyId === oldKeyId)?.Status).toBe('Inactive');
      const fresh = keys.find((k) => k.AccessKeyId !== oldKeyId)!;
      expect(fresh.Status).toBe('Active');
      expect(outcome.rotated[0]?.new).toBe(fresh.AccessKeyId);
      // A key created before the crash whose secret was never stored is deleted, never left active.
      if (at === 'rotate-key:after-create') expect(outcome.rotated[0]?.discarded).toHaveLength(1);
      const stored = JSON.parse(
        (await aws().secretsManager.send(new GetSecretValueCommand({ SecretId: rotatedSecretName(name) })))
          .SecretString!,
      ) as { accessKeyId: string; secretAccessKey: string };
      expect(stored.accessKeyId).toBe(fresh.AccessKeyId);
      expect((await awsClientsFor(stored).iam.send(new ListUsersCommand({}))).Users?.length).toBeGreaterThan(
        0,
      );
      // One stored version per new key (the discarded key's secret was never stored).
      const versions = await aws().secretsManager.send(
        new ListSecretVersionIdsCommand({ SecretId: rotatedSecretName(name) }),
      );
      expect(versions.Versions).toHaveLength(1);
      expect(await action.verify(plan, aws(), outcome)).toMatchObject({ ok: true });
    },
  );

  it('refuses to exceed the 2-key limit and never deletes a key that existed before the rotation', async () => {
    const { name, keyRef } = await userWithKey();
    const second = (await aws().iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
    await aws().iam.send(
      new UpdateAccessKeyCommand({ UserName: name, AccessKeyId: second.AccessKeyId, Status: 'Inactive' }),
    );
    const action = actionNamed('rotate-secret');
    const plan = await action.plan(keyRef, aws());
    await expect(action.execute(plan, aws(), crashingAt(undefined, `r/${randomUUID()}`))).rejects.toThrow(
      /already has 2 access keys.*never deletes a key that existed before the rotation/,
    );
    expect((await keysOf(name)).map((k) => k.AccessKeyId).sort()).toEqual(
      [keyRef.name, second.AccessKeyId].sort(),
    );
    expect((await keysOf(name)).find((k) => k.AccessKeyId === keyRef.name)?.Status).toBe('Active');
  });
});

describe('Secrets Manager rotation of a leaked secret', () => {
  async function storedSecret(value: string) {
    const name = `idem-${randomUUID().slice(0, 8)}/db`;
    const created = await aws().secretsManager.send(
      new CreateSecretCommand({ Name: name, SecretString: value }),
    );
    return { name, arn: created.ARN!, firstVersion: created.VersionId! };
  }
  const leaked = (value: string): IdentityRef =>
    secretIdentity('Postgres password', fingerprint(value, fingerprintKeyFromEnv()));

  it.each(['rotate-stored-secret:before-put', 'rotate-stored-secret:after-put'])(
    'finds the entry by fingerprint (a JSON field), crash at %s, retry: exactly one new AWSCURRENT version',
    async (at) => {
      const password = `pw-${randomUUID()}`;
      const secret = await storedSecret(JSON.stringify({ username: 'app', password }));
      const action = actionNamed('rotate-secret');
      const plan = await action.plan(leaked(password), aws());
      expect(plan.steps).toEqual([
        {
          api: 'secretsmanager:PutSecretValue',
          target: secret.arn,
          detail: { name: secret.name, leakedVersion: secret.firstVersion, field: 'password' },
        },
      ]);
      expect(plan.rollback).toMatchObject({ possible: false });
      // The plan goes into workflow history: it names the entry, never the value.
      expect(JSON.stringify(plan)).not.toContain(password);
      const ctx = crashingAt(at, `remediate/rotate-secret/${randomUUID()}`);
      await expect(action.execute(plan, aws(), ctx)).rejects.toBeInstanceOf(Crash);
      const outcome = await action.execute(plan, aws(), ctx);
      await action.execute(plan, aws(), ctx);
      expect(JSON.stringify(outcome)).not.toContain(password);

      const versions =
        (await aws().secretsManager.send(new ListSecretVersionIdsCommand({ SecretId: secret.arn })))
          .Versions ?? [];
      expect(versions).toHaveLength(2);
      const described = await aws().secretsManager.send(new DescribeSecretCommand({ SecretId: secret.arn }));
      expect(described.VersionIdsToStages?.[secret.firstVersion]).toEqual(['AWSPREVIOUS']);
      const current = JSON.parse(
        (await aws().secretsManager.send(new GetSecretValueCommand({ SecretId: secret.arn }))).SecretString!,
      ) as { username: string; password: string };
      expect(current.username).toBe('app');
      expect(current.password).not.toBe(password);
      expect(await action.verify(plan, aws(), outcome)).toMatchObject({ ok: true });
    },
  );

  it('when no entry holds the leaked value, the plan says so and acts on nothing', async () => {
    await storedSecret('something-else-entirely');
    const plan = await actionNamed('rotate-secret').plan(leaked(`never-stored-${randomUUID()}`), aws());
    expect(plan.steps).toEqual([]);
    expect(plan.noop).toMatch(
      /no Secrets Manager entry in this account holds the leaked value .*the finding stays open/,
    );
  });
});
