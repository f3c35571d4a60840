// Blast radius across roles: who can become whom, by which shortest path, and what that lets them do.
import { describe, expect, it } from 'vitest';
import {
  assumeEdges,
  computeReach,
  describePath,
  type KnownIdentity,
  type ReachResult,
  trustAllows,
} from '../../../risk/reach.ts';
import type { PolicyDocument } from '../../../schemas/iam-policy.ts';
import {
  ACCOUNT,
  ADMINISTRATOR_ACCESS,
  arn,
  assumePolicy,
  deployChain,
  managed,
  OTHER_ACCOUNT,
  role,
  trustPolicy,
  user,
} from './fixtures.ts';

const CI = arn('user/ci');
const reachOf = (identities: KnownIdentity[], key: string, maxDepth?: number): ReachResult =>
  computeReach(identities, maxDepth === undefined ? {} : { maxDepth }).get(key)!;
const capability = (r: ReachResult, id: string) => r.capabilities.find((c) => c.id === id);

describe('assume-role chains', () => {
  it('user/ci → role/deploy → role/admin reaches full-admin, with that path', () => {
    const r = reachOf(deployChain(), CI);
    expect(r.direct).toEqual([]);
    expect(r.roles.map((x) => [describePath(x.path), x.hops])).toEqual([
      ['user/ci → role/deploy', 1],
      ['user/ci → role/deploy → role/admin', 2],
    ]);
    const admin = capability(r, 'full-admin')!;
    expect(admin).toMatchObject({
      holder: arn('role/admin'),
      hops: 2,
      conditional: false,
      allResources: true,
    });
    expect(describePath(admin.path)).toBe('user/ci → role/deploy → role/admin');
    // s3-read-all is reachable one hop earlier, through role/deploy's ReadOnlyAccess — but admin also has it;
    // the shortest way wins among equally wide grants
    expect(describePath(capability(r, 's3-read-all')!.path)).toBe('user/ci → role/deploy');
    expect(r.capabilities[0]!.id).toBe('full-admin');
    expect(r.truncated).toBe(false);
  });

  it('explains each edge', () => {
    const edges = assumeEdges(deployChain());
    expect(edges.map((e) => [e.from, e.to])).toEqual([
      [arn('role/deploy'), arn('role/admin')],
      [CI, arn('role/deploy')],
    ]);
    expect(edges[1]!.reasons).toEqual([
      'trust[0] names it directly',
      'inline:assume-deploy[0] allows sts:AssumeRole',
    ]);
  });

  it('a trust policy that does not trust the caller breaks the chain', () => {
    const chain = deployChain({ adminTrust: trustPolicy(arn('role/breakglass')) });
    const r = reachOf(chain, CI);
    expect(r.roles.map((x) => describePath(x.path))).toEqual(['user/ci → role/deploy']);
    expect(capability(r, 'full-admin')).toBeUndefined();
    expect(trustAllows(chain[2]!.policies.trustPolicy!, { key: arn('role/deploy') })).toMatchObject({
      trusted: false,
      reasons: ['trust policy does not name role/deploy'],
    });
  });

  it('trust alone is not enough when it names the account: the caller needs its own sts:AssumeRole', () => {
    const target = role('ops', {
      trustPolicy: trustPolicy(arn('root')),
      attached: [managed('AdministratorAccess', ADMINISTRATOR_ACCESS)],
    });
    const allowed = user('ops-bot', { inline: [assumePolicy('*')] });
    const notAllowed = user('reporter');
    const elsewhere = user('intruder', { inline: [assumePolicy('*')] }, OTHER_ACCOUNT);
    const all = [target, allowed, notAllowed, elsewhere];
    expect(capability(reachOf(all, allowed.key), 'full-admin')?.path).toEqual([allowed.key, target.key]);
    expect(reachOf(all, notAllowed.key).roles).toEqual([]);
    expect(reachOf(all, elsewhere.key).roles).toEqual([]);
    expect(assumeEdges(all).find((e) => e.from === allowed.key)!.reasons[0]).toBe(
      'trust[0] trusts its whole account',
    );
  });

  it('a bare account id in the trust policy means the same as its root ARN', () => {
    const target = role('ops', { trustPolicy: trustPolicy(ACCOUNT) });
    const caller = user('ops-bot', { inline: [assumePolicy(arn('role/ops'))] });
    expect(reachOf([target, caller], caller.key).roles.map((r) => r.key)).toEqual([target.key]);
  });

  it('a same-account trust policy naming the user grants on its own, but an explicit Deny still wins', () => {
    const target = role('deploy', { trustPolicy: trustPolicy(CI) });
    const plain = user('ci');
    expect(assumeEdges([target, plain])[0]!.reasons).toEqual([
      'trust[0] names it directly',
      'same account, so the trust policy alone is enough: no identity permission needed',
    ]);
    const deny: PolicyDocument = { Statement: [{ Effect: 'Deny', Action: 'sts:*', Resource: '*' }] };
    expect(assumeEdges([target, user('ci', { inline: [deny] })])).toEqual([]);
  });

  it('trust conditions and identity conditions mark the path conditional, not broken', () => {
    const chain = deployChain({
      adminTrust: trustPolicy(arn('role/deploy'), {
        Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
      }),
    });
    const r = reachOf(chain, CI);
    expect(r.roles.map((x) => [x.hops, x.conditional])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(capability(r, 'full-admin')!.conditional).toBe(true);
  });

  it('an unconditional Deny in the trust policy breaks the edge; a conditional one does not', () => {
    const deny = (extra: Record<string, unknown>): PolicyDocument => ({
      Statement: [
        { Effect: 'Allow', Principal: { AWS: arn('root') }, Action: 'sts:AssumeRole' },
        { Sid: 'NoCi', Effect: 'Deny', Principal: { AWS: CI }, Action: 'sts:AssumeRole', ...extra },
      ],
    });
    const caller = user('ci', { inline: [assumePolicy('*')] });
    expect(assumeEdges([role('deploy', { trustPolicy: deny({}) }), caller])).toEqual([]);
    const conditional = assumeEdges([
      role('deploy', { trustPolicy: deny({ Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }) }),
      caller,
    ]);
    expect(conditional).toHaveLength(1);
    expect(conditional[0]!.reasons).toContain('deny has conditions: trust[NoCi] (not counted)');
  });

  it('"*" in a trust policy trusts anyone with permission', () => {
    const open = role('open', {
      trustPolicy: { Statement: { Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' } },
    });
    const caller = user('x', { inline: [assumePolicy('*')] }, OTHER_ACCOUNT);
    expect(reachOf([open, caller], caller.key).roles.map((r) => r.key)).toEqual([open.key]);
  });

  it('survives cycles in the role graph', () => {
    const a = role('a', {
      trustPolicy: trustPolicy([CI, arn('role/b')]),
      inline: [assumePolicy(arn('role/b'))],
    });
    const b = role('b', {
      trustPolicy: trustPolicy(arn('role/a')),
      inline: [assumePolicy(arn('role/a'))],
      attached: [managed('AdministratorAccess', ADMINISTRATOR_ACCESS)],
    });
    const ci = user('ci', { inline: [assumePolicy(arn('role/a'))] });
    const all = computeReach([a, b, ci]);
    expect(all.get(ci.key)!.roles.map((r) => describePath(r.path))).toEqual([
      'user/ci → role/a',
      'user/ci → role/a → role/b',
    ]);
    expect(all.get(a.key)!.roles.map((r) => describePath(r.path))).toEqual(['role/a → role/b']);
    expect(all.get(b.key)!.roles.map((r) => describePath(r.path))).toEqual(['role/b → role/a']);
  });

  it('stops at the depth limit and says so', () => {
    const names = ['r1', 'r2', 'r3', 'r4'];
    const roles = names.map((n, i) =>
      role(n, {
        trustPolicy: trustPolicy(i === 0 ? CI : arn(`role/${names[i - 1]}`)),
        ...(i < names.length - 1 ? { inline: [assumePolicy(arn(`role/${names[i + 1]}`))] } : {}),
        ...(i === names.length - 1
          ? { attached: [managed('AdministratorAccess', ADMINISTRATOR_ACCESS)] }
          : {}),
      }),
    );
    const ci = user('ci', { inline: [assumePolicy(arn('role/r1'))] });
    const limited = reachOf([...roles, ci], CI, 2);
    expect(limited.roles.map((r) => r.hops)).toEqual([1, 2]);
    expect(limited.truncated).toBe(true);
    expect(capability(limited, 'full-admin')).toBeUndefined();
    const full = reachOf([...roles, ci], CI);
    expect(capability(full, 'full-admin')!.hops).toBe(4);
    expect(full.truncated).toBe(false);
  });

  it('is deterministic whatever the input order', () => {
    const chain = deployChain();
    const forward = computeReach(chain);
    const backward = computeReach([...chain].reverse());
    expect([...backward.entries()]).toEqual([...forward.entries()]);
  });
});
