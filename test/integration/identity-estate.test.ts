// A realistic IAM estate in the AWS emulator, assessed by the real activity (createAssessor over awsClients()):
// what each identity can do, through which roles, and what a Deny takes away — read from IAM itself, not fixtures.
//
//   user/ci ──trust──► role/deploy ──trust──► role/admin (managed policy: AdministratorAccess's document)
//   user/analyst ∈ group/readers (managed secrets-reader + inline s3 read), with an inline Deny on secrets
//   user/orphan (no owner tag) may create access keys; role/lambda-exec (trusts lambda only) writes one bucket
//
// Key ages cannot be backdated in moto: age and disuse are scored in test/unit/risk/score.test.ts; here
// credential-facts is shown to read the real CreateDate and LastUsed.
import { randomUUID } from 'node:crypto';
import {
  AddUserToGroupCommand,
  CreateUserCommand,
  GetAccessKeyLastUsedCommand,
  ListAccessKeysCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Assessment, createAssessor } from '../../activities/assess-identity.ts';
import { awsClients, awsClientsFor } from '../../activities/aws/clients.ts';
import { credentialFacts } from '../../activities/aws/credential-facts.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import { type Estate, seedEstate } from './identity-support.ts';

const prefix = `est-${randomUUID().slice(0, 8)}`;

const ref = (key: string, type: IdentityRef['type'], account: string, extra: Partial<IdentityRef> = {}) =>
  ({ key, type, provider: 'aws', account, aliases: [], ...extra }) satisfies IdentityRef;
const short = (arn: string) => arn.split(':').slice(5).join(':');
const ours = (a: Assessment) => a.roles.filter((r) => short(r.key).startsWith(`role/${prefix}-`));
const cap = (a: Assessment, id: string) => a.capabilities.find((c) => c.id === id);

let estate: Estate;
let assess: ReturnType<typeof createAssessor>;
const assessed = new Map<string, Assessment>();
const assessOnce = async (identity: IdentityRef) => {
  const known = assessed.get(identity.key);
  if (known) return known;
  const a = await assess({ identity, findings: [] });
  assessed.set(identity.key, a);
  return a;
};

beforeAll(async () => {
  estate = await seedEstate(awsClients().iam, prefix);
  assess = createAssessor(awsClients());
}, 60_000);

describe('identity estate, assessed from the emulator', () => {
  it('user/ci reaches full-admin in two hops: ci → deploy → admin', async () => {
    const a = await assessOnce(ref(estate.arn.ci, 'aws-user', estate.account));
    expect(a.principal).toBe(estate.arn.ci);
    expect(a.owner).toBe('team-ci');
    expect(ours(a)).toEqual([
      { key: estate.arn.deploy, path: [estate.arn.ci, estate.arn.deploy], hops: 1, conditional: false },
      {
        key: estate.arn.admin,
        path: [estate.arn.ci, estate.arn.deploy, estate.arn.admin],
        hops: 2,
        conditional: false,
      },
    ]);
    expect(cap(a, 'full-admin')).toMatchObject({
      path: [estate.arn.ci, estate.arn.deploy, estate.arn.admin],
      hops: 2,
      allResources: true,
      conditional: false,
      grantedBy: [`managed:${prefix}-AdministratorAccess[0]`],
    });
    // Everything admin can do, ci can do: the strongest capability is what the score reads.
    const top = a.risk.factors[0]!;
    expect(top.id).toBe('capability');
    expect(top.reason).toBe(
      `can become role/${prefix}-admin via role/${prefix}-deploy (2 hops): full-admin (all actions on all resources) — can do anything in the account, including granting itself and others any access`,
    );
    expect(top.contribution).toBe(50);
    expect(a.credentials).toMatchObject({ userName: `${prefix}-ci`, keyAgeDays: 0, unusedDays: 0 });
  });

  it('role/deploy reaches full-admin in one hop; its own scoped lambda grant is outdone by the wider one', async () => {
    const a = await assessOnce(ref(estate.arn.deploy, 'aws-role', estate.account));
    expect(ours(a).map((r) => [short(r.key), r.hops])).toEqual([[`role/${prefix}-admin`, 1]]);
    expect(cap(a, 'full-admin')).toMatchObject({ path: [estate.arn.deploy, estate.arn.admin], hops: 1 });
    // deploy may update its own functions (inline:deploy[ShipCode]); as admin it may update all of them, and
    // each capability is reported in its strongest form.
    expect(cap(a, 'lambda-update-code')).toMatchObject({
      path: [estate.arn.deploy, estate.arn.admin],
      hops: 1,
      allResources: true,
      resources: ['*'],
    });
    // Roles carry no access keys: nothing about key age is claimed.
    expect(a.credentials).toEqual({});
    expect(a.owner).toBeNull();
  });

  it('role/admin holds full-admin directly from its managed admin policy', async () => {
    const a = await assessOnce(ref(estate.arn.admin, 'aws-role', estate.account));
    expect(cap(a, 'full-admin')).toMatchObject({ path: [estate.arn.admin], hops: 0, allResources: true });
    expect(a.owner).toBe('platform');
    expect(a.risk.factors.find((f) => f.id === 'capability')?.reason).toMatch(
      new RegExp(`^holds it directly \\(managed:${prefix}-AdministratorAccess\\[0\\]\\): full-admin`),
    );
  });

  it('an explicit Deny removes what the group grants: analyst reads S3 but not secrets', async () => {
    const a = await assessOnce(ref(estate.arn.analyst, 'aws-user', estate.account));
    expect(a.owner).toBe('analytics');
    expect(cap(a, 's3-read-all')).toMatchObject({
      hops: 0,
      allResources: true,
      grantedBy: [`group:${prefix}-readers/inline:s3-read[0]`],
    });
    expect(cap(a, 'secrets-read')).toBeUndefined();
    expect(a.blocked).toContainEqual(
      expect.objectContaining({ id: 'secrets-read', by: ['inline:no-secrets[0]'] }),
    );
    expect(ours(a)).toEqual([]);
    expect(a.credentials).toEqual({ userName: `${prefix}-analyst` }); // no key
  });

  it('without its Deny the same group grants secrets-read (the Deny is what removed it)', async () => {
    const { iam } = awsClients();
    const name = `${prefix}-analyst2`;
    const arn = (await iam.send(new CreateUserCommand({ UserName: name }))).User!.Arn!;
    await iam.send(new AddUserToGroupCommand({ GroupName: `${prefix}-readers`, UserName: name }));
    const a = await createAssessor(awsClients())({
      identity: ref(arn, 'aws-user', estate.account),
      findings: [],
    });
    expect(cap(a, 'secrets-read')).toMatchObject({
      grantedBy: [`group:${prefix}-readers/managed:${prefix}-secrets-reader[0]`],
    });
  });

  it('an identity nobody owns that can mint keys scores for both', async () => {
    const a = await assessOnce(ref(estate.arn.orphan, 'aws-user', estate.account));
    expect(a.owner).toBeNull();
    expect(cap(a, 'iam-create-access-key')).toMatchObject({ hops: 0, allResources: true });
    const ids = a.risk.factors.map((f) => f.id);
    expect(ids).toContain('noOwner');
    expect(a.risk.factors.find((f) => f.id === 'noOwner')?.reason).toMatch(/^no owner/);
    expect(a.risk.factors.find((f) => f.id === 'capability')?.contribution).toBe(40); // 80 × 0.5
  });

  it('a service role nobody can assume has only its own scoped write', async () => {
    const a = await assessOnce(ref(estate.arn.lambdaExec, 'aws-role', estate.account));
    expect(a.capabilities.map((c) => [c.id, c.allResources])).toEqual([['s3-write', false]]);
    expect(a.roles).toEqual([]);
    // Nobody in the account can become it: it is on no other identity's reach.
    const ci = await assessOnce(ref(estate.arn.ci, 'aws-user', estate.account));
    expect(ci.roles.map((r) => r.key)).not.toContain(estate.arn.lambdaExec);
  });

  it("an access key is assessed as its owner: the owner's reach, the key's own facts", async () => {
    const a = await assess({
      identity: ref(`aws:access-key:${estate.ciKey.id}`, 'aws-access-key', estate.account, {
        name: estate.ciKey.id,
      }),
      findings: [
        {
          kind: 'exposed-secret',
          severity: 90,
          status: 'open',
          title: 'AWS key in deploy/.env',
          format: 'trufflehog',
          verified: true,
          public: true,
        },
      ],
    });
    expect(a.principal).toBe(estate.arn.ci);
    expect(cap(a, 'full-admin')?.hops).toBe(2);
    expect(a.credentials).toMatchObject({ userName: `${prefix}-ci`, keyAgeDays: 0 });
    // 50 (full-admin) + 35 (exposed, public and verified: 100 × 0.35) + breadth: enough for every auto rule.
    expect(a.risk.factors.slice(0, 2).map((f) => [f.id, f.contribution])).toEqual([
      ['capability', 50],
      ['exposure', 35],
    ]);
    expect(a.risk.score).toBeGreaterThanOrEqual(85);
  });

  it("credential-facts reads the key's real CreateDate and, once used, its LastUsedDate", async () => {
    const aws = awsClients();
    const identity = ref(estate.arn.ci, 'aws-user', estate.account);
    const [meta] = (await aws.iam.send(new ListAccessKeysCommand({ UserName: `${prefix}-ci` })))
      .AccessKeyMetadata!;
    const created = meta!.CreateDate!;

    const before = await credentialFacts(identity, aws);
    expect(before.lastUsedAt).toBeUndefined();
    // Facts are computed from the dates AWS returns: ten days on, the key is ten days old and unused.
    const later = new Date(created.getTime() + 10 * 86_400_000 + 60_000);
    expect(await credentialFacts(identity, aws, later)).toEqual({
      userName: `${prefix}-ci`,
      keyAgeDays: 10,
      unusedDays: 10,
    });

    // Use the key (moto records the visit whatever the call is allowed to do).
    await awsClientsFor({ accessKeyId: estate.ciKey.id, secretAccessKey: estate.ciKey.secret })
      .sts.send(new GetCallerIdentityCommand({}))
      .catch(() => undefined);
    const used = (await aws.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: estate.ciKey.id })))
      .AccessKeyLastUsed!.LastUsedDate!;
    const after = await credentialFacts(identity, aws, later);
    expect(after.lastUsedAt).toBe(used.toISOString());
    expect(after.keyAgeDays).toBe(10);
    expect(after.unusedDays).toBe(Math.floor((later.getTime() - used.getTime()) / 86_400_000));
  });
});
