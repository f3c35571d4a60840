// `nhi identities` and `nhi identity` against the real stack: an estate identity (user/ci, two hops from admin)
// with findings, assessed by a worker with the real activities, read back through visibility and queries — and
// the one-line errors for an unknown key and an unreachable Temporal.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsClients, awsClientsFor } from '../../activities/aws/clients.ts';
import { exceptionDecision, exceptionRequest } from '../../cli/decisions.ts';
import { main } from '../../cli/main.ts';
import { RESIDUAL_POINTS } from '../../risk/residual.ts';
import type { Finding } from '../../schemas/finding.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import {
  decideExceptionUpdate,
  identityQuery,
  identityWorkflowId,
  requestExceptionUpdate,
} from '../../workflows/identity/definitions.ts';
import type { IdentityRecord } from '../../workflows/identity/state.ts';
import { directoryFile, person } from '../support/people.ts';
import {
  deliver,
  type Estate,
  finding,
  leakedKey,
  seedAdminUser,
  seedEstate,
  startTestWorker,
  type TestWorker,
  waitFor,
} from './identity-support.ts';

const prefix = `cli-${randomUUID().slice(0, 8)}`;
let w: TestWorker;
let estate: Estate;
let ci: IdentityRef;
let record: IdentityRecord;

async function nhi(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

beforeAll(async () => {
  w = await startTestWorker('id-cli');
  estate = await seedEstate(awsClients().iam, prefix);
  ci = {
    key: estate.arn.ci,
    type: 'aws-user',
    provider: 'aws',
    account: estate.account,
    name: `${prefix}-ci`,
    aliases: [],
  };
  // The key was used once (moto records it), so "last use" has a date.
  await awsClientsFor({ accessKeyId: estate.ciKey.id, secretAccessKey: estate.ciKey.secret })
    .sts.send(new GetCallerIdentityCommand({}))
    .catch(() => undefined);
  const findings: Finding[] = [
    finding(ci, 'excess-privilege', {
      seed: `${prefix}/wiz`,
      severity: 80,
      format: 'wiz',
      title: 'CI user can reach AdministratorAccess through role chaining',
    }),
    finding(ci, 'activity', {
      seed: `${prefix}/ct`,
      severity: 10,
      format: 'cloudtrail',
      title: 'sts:AssumeRole role/deploy',
    }),
  ];
  w.terminateAtStop.push(identityWorkflowId(ci.key));
  await deliver(w.client, w.taskQueue, ci, findings);
  const handle = w.client.workflow.getHandle(identityWorkflowId(ci.key));
  await waitFor('the assessment and its remediation', async () => {
    const r = await handle.query(identityQuery);
    return r.remediations.length ? r : undefined;
  });
  // An exception, requested by Bob and approved by Alice, both signed (the worker reads their directory).
  const bob = person('bob@example.com', 'platform');
  const alice = person('alice@example.com', 'security');
  process.env.NHI_DIRECTORY_FILE = directoryFile([bob, alice], tmpdir());
  const opened = await handle.executeUpdate(requestExceptionUpdate, {
    args: [
      exceptionRequest(
        { person: bob.id, secretKey: bob.secretKey },
        { identityKey: ci.key, action: 'quarantine', for: '7d' },
        'release freeze: isolate only by hand this week',
      ),
    ],
  });
  const hash = (await handle.query(identityQuery)).exceptionRequests.find(
    (r) => r.id === opened.id,
  )!.termsHash;
  await handle.executeUpdate(decideExceptionUpdate, {
    args: [
      exceptionDecision(
        { person: alice.id, secretKey: alice.secretKey },
        ci.key,
        opened.id!,
        hash,
        'approve',
        'ok for a week',
      ),
    ],
  });
  record = await handle.query(identityQuery);
  w.terminateAtStop.push(...record.remediations.map((r) => r.workflowId));
  // The remediation reaches its approval gate (its query says so).
}, 90_000);

afterAll(async () => {
  await w?.stop();
});

describe('nhi identity KEY', () => {
  it('shows owner, last use, capabilities with paths, reach, every factor with its reason, remediations', async () => {
    await waitFor('scope-down awaiting approval', async () => {
      const { out } = await nhi('identity', ci.key);
      return out.some((l) => /scope-down\s+awaiting-approval/.test(l)) ? 1 : undefined;
    });
    const { code, out, err } = await nhi('identity', ci.key);
    const text = out.join('\n');
    console.log(`$ nhi identity ${ci.key}\n${text}`);
    expect(code).toBe(0);
    expect(err).toEqual([]);
    expect(out[0]).toBe(ci.key);
    expect(text).toMatch(/owner\s+team-ci \(tag\)/);
    expect(text).toMatch(/last use\s+\d{4}-\d\d-\d\dT.*today\); oldest active key 0 days old/);
    expect(text).toContain(`full-admin`);
    expect(text).toContain(`user/${prefix}-ci → role/${prefix}-deploy → role/${prefix}-admin`);
    expect(text).toMatch(new RegExp(`role/${prefix}-admin\\s+2 hops`));
    for (const f of record.assessment!.risk.factors) expect(text).toContain(f.reason);
    expect(text).toMatch(/scope-down\s+awaiting-approval\s+proposal 0, rule excess-privilege \(approval\)/);
    expect(text).toMatch(/quarantine\s+live\s+until .* approved by alice@example\.com/);
    expect(text).toContain('CI user can reach AdministratorAccess through role chaining');

    // The real binary prints the same.
    const { stdout } = await promisify(execFile)('node', ['bin/nhi.js', 'identity', ci.key]);
    expect(stdout.trimEnd()).toBe(text);
  });

  it('--json is the whole record with each remediation’s state', async () => {
    const { code, out } = await nhi('identity', ci.key, '--json');
    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    const parsed = JSON.parse(out[0]!);
    expect(parsed.record.identity.key).toBe(ci.key);
    expect(parsed.record.findingIds).toHaveLength(2);
    expect(parsed.remediations).toEqual([
      expect.objectContaining({
        action: 'scope-down',
        execution: 'RUNNING',
        state: expect.objectContaining({ status: 'awaiting-approval' }),
      }),
    ]);
  });

  it('an unknown key is one line and exit 1', async () => {
    const { code, out, err } = await nhi('identity', `${ci.key}-nobody`);
    expect(code).toBe(1);
    expect(out).toEqual([]);
    expect(err).toEqual([expect.stringMatching(/^nhi identity: no identity '.*-nobody' in Temporal at /)]);
  });
});

describe('nhi identities', () => {
  it('ranks by the NhiRiskScore search attribute: --min-risk is a visibility query', async () => {
    const score = record.assessment!.risk.score;
    await waitFor('visibility to catch up', async () => {
      const { out } = await nhi('identities', '--min-risk', String(score), '--limit', '100000', '--json');
      return out.some((l) => JSON.parse(l).key === ci.key) ? 1 : undefined;
    });
    const { code, out, err } = await nhi(
      'identities',
      '--min-risk',
      String(score),
      '--limit',
      '100000',
      '--json',
    );
    expect(code).toBe(0);
    const mine = out.map((l) => JSON.parse(l)).find((i) => i.key === ci.key);
    expect(mine).toMatchObject({
      type: 'aws-user',
      score,
      owner: 'team-ci',
      pendingActions: ['scope-down'],
    });
    expect(mine.factors[0]).toMatchObject({ id: 'capability', contribution: 50 });
    expect(err.at(-1)).toMatch(/via search-attribute\)$/);
    const scores = out.map((l) => JSON.parse(l).score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));

    const above = await nhi('identities', '--min-risk', String(score + 1), '--limit', '100000', '--json');
    expect(above.out.map((l) => JSON.parse(l).key)).not.toContain(ci.key);

    const text = await nhi('identities', '--min-risk', String(score), '--limit', '100000');
    const at = text.out.findIndex((l) => l.includes(ci.key));
    console.log(`$ nhi identities --min-risk ${score}\n${text.out.slice(at, at + 3).join('\n')}`);
    expect(text.out[at]).toBe(`${String(score).padStart(3)}  ${ci.key}  (aws-user, owner team-ci)`);
    expect(text.out[at + 1]).toMatch(/^ {5}why: \+50 capability: can become role\//);
    expect(text.out[at + 2]).toBe('     pending: scope-down');
  });

  it('rejects bad options as usage errors', async () => {
    expect((await nhi('identities', '--min-risk', '101')).code).toBe(2);
    expect((await nhi('identities', '--limit', '0')).code).toBe(2);
  });
});

describe('residual risk after containment', () => {
  it('a leaked key, deactivated: scores what it can still do, names the remediation, ranks below uncontained', async () => {
    const { key } = await seedAdminUser(`${prefix}-leak`, { owner: 'team-leak' });
    w.terminateAtStop.push(identityWorkflowId(key.key));
    await deliver(w.client, w.taskQueue, key, [leakedKey(key, { seed: `${prefix}/leak` })]);
    const handle = w.client.workflow.getHandle(identityWorkflowId(key.key));
    const contained = await waitFor('the key deactivated and scored again', async () => {
      const r = await handle.query(identityQuery);
      const done = r.remediations.find((x) => x.ended?.status === 'executed');
      return done && r.assessment?.risk.factors[0]?.id === 'residual' ? { r, done } : undefined;
    });
    w.terminateAtStop.push(contained.done.workflowId);
    const { risk } = contained.r.assessment!;
    expect(contained.done.score).toBeGreaterThanOrEqual(80); // what it scored when the leak was proposed
    expect(risk.score).toBe(RESIDUAL_POINTS);
    expect(risk.factors[0]!.reason).toContain(`deactivated by ${contained.done.workflowId} at `);

    const { out } = await nhi('identity', key.key);
    const text = out.join('\n');
    console.log(`$ nhi identity ${key.key}\n${text}`);
    expect(text).toMatch(
      new RegExp(`risk score\\s+residual risk ${RESIDUAL_POINTS} of 100 after containment \\(\\d+ before\\)`),
    );
    expect(text).toMatch(/deactivate-key\s+executed .*ended executed at /);
    expect(text).not.toContain('not ended');

    // NhiRiskScore followed: the contained key ranks below the uncontained CI user.
    const ranked = await waitFor('visibility to rank the contained key', async () => {
      const listed = (await nhi('identities', '--limit', '100000', '--json')).out.map((l) => JSON.parse(l));
      const mine = listed.find((i) => i.key === key.key);
      return mine?.score === RESIDUAL_POINTS ? listed.map((i) => i.key as string) : undefined;
    });
    expect(ranked.indexOf(key.key)).toBeGreaterThan(ranked.indexOf(ci.key));
    expect(ranked.indexOf(ci.key)).toBeGreaterThanOrEqual(0);
  });
});

describe('Temporal down', () => {
  it('says so in one line, naming the address and `nhi stack up`', async () => {
    const saved = process.env.NHI_TEMPORAL_ADDRESS;
    process.env.NHI_TEMPORAL_ADDRESS = '127.0.0.1:1';
    try {
      for (const argv of [['identities'], ['identity', ci.key]]) {
        const { code, out, err } = await nhi(...argv);
        expect(code).toBe(1);
        expect(out).toEqual([]);
        expect(err).toHaveLength(1);
        expect(err[0]).toContain('127.0.0.1:1');
        expect(err[0]).toContain('nhi stack up');
      }
    } finally {
      if (saved === undefined) delete process.env.NHI_TEMPORAL_ADDRESS;
      else process.env.NHI_TEMPORAL_ADDRESS = saved;
    }
  });
});
