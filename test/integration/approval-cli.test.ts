// People in the loop from the `nhi` command, against the real stack: key pairs written by `nhi keys new`, a
// directory naming them, a scope-down awaiting approval listed by `nhi pending`, an owner's signed approval refused
// and a reviewer's accepted (the action then runs), an exception requested before the identity's first finding,
// refused when its requester approves it, granted by another person, listed, revoked. bin/nhi.js is run as a child
// process, as a user would; the worker is this process's (real activities, the directory via NHI_DIRECTORY_FILE).
// A plan that changes while the kill switch holds an approved scope-down voids the approval (a new round opens,
// nothing acts on the old plan), and `nhi approve` says so when its approval is voided at once (exit 3).
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteUserPolicyCommand, ListUserPoliciesCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsClients } from '../../activities/aws/clients.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import { identityQuery, identityWorkflowId } from '../../workflows/identity/definitions.ts';
import { type RemediationState, remediationQuery } from '../../workflows/remediation/definitions.ts';
import { historyText } from '../support/history.ts';
import {
  deliver,
  finding,
  seedEstate,
  startTestWorker,
  type TestWorker,
  waitFor,
} from './identity-support.ts';

const prefix = `apcli-${randomUUID().slice(0, 8)}`;
const home = mkdtempSync(join(tmpdir(), 'nhi-approval-cli-'));
const keysDir = join(home, 'keys');
let w: TestWorker;
let remediationId: string;
const later = `arn:aws:iam::123456789012:user/${prefix}-not-seen-yet`;

interface Run {
  code: number;
  out: string[];
  err: string[];
}

/** `node bin/nhi.js …` with the stack's ports, this test's keys dir and task queue; stdin answers prompts. */
function nhi(args: string[], stdin = ''): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      'node',
      ['bin/nhi.js', ...args],
      { env: { ...process.env, NHI_KEYS_DIR: keysDir, NHI_TASK_QUEUE: w.taskQueue }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const lines = (s: string) => s.split('\n').filter((l) => l !== '');
        resolve({
          code: error ? Number((error as { code?: number }).code ?? 1) : 0,
          out: lines(stdout),
          err: lines(stderr),
        });
      },
    );
    child.stdin?.end(stdin);
  });
}

beforeAll(async () => {
  w = await startTestWorker('ap-cli');
  // Three people: Alice reviews for security, Bob is on the platform team, Paul is security but in team-ci, the
  // team that owns user/ci (its owner tag).
  const keys: Record<string, string> = {};
  for (const who of ['alice@example.com', 'bob@example.com', 'paul@example.com']) {
    const made = await nhi(['keys', 'new', '--as', who, '--json']);
    expect(made.code).toBe(0);
    keys[who] = JSON.parse(made.out[0]!).publicKey;
  }
  const directory = join(home, 'directory.yaml');
  writeFileSync(
    directory,
    [
      'version: 1',
      'people:',
      `  - { id: alice@example.com, groups: [security], keys: [${keys['alice@example.com']}] }`,
      `  - { id: bob@example.com, groups: [platform], keys: [${keys['bob@example.com']}] }`,
      `  - { id: paul@example.com, groups: [security, team-ci], keys: [${keys['paul@example.com']}] }`,
      '',
    ].join('\n'),
  );
  process.env.NHI_DIRECTORY_FILE = directory; // read by this process's worker

  ({ remediationId } = await scopeDownAwaitingApproval(prefix));
  w.terminateAtStop.push(identityWorkflowId(later));
}, 180_000);

/** A seeded estate whose CI user (owner team-ci) can reach admin: its scope-down awaits approval. */
async function scopeDownAwaitingApproval(p: string) {
  const estate = await seedEstate(awsClients().iam, p);
  const ci: IdentityRef = {
    key: estate.arn.ci,
    type: 'aws-user',
    provider: 'aws',
    account: estate.account,
    name: `${p}-ci`,
    aliases: [],
  };
  w.terminateAtStop.push(identityWorkflowId(ci.key));
  await deliver(w.client, w.taskQueue, ci, [
    finding(ci, 'excess-privilege', {
      seed: `${p}/wiz`,
      severity: 80,
      format: 'wiz',
      title: 'CI user can reach admin',
    }),
  ]);
  const record = await waitFor('the scope-down remediation', async () => {
    const r = await w.client.workflow.getHandle(identityWorkflowId(ci.key)).query(identityQuery);
    return r.remediations.length ? r : undefined;
  });
  const remediationId = record.remediations[0]!.workflowId;
  w.terminateAtStop.push(remediationId);
  await remediationWhen(remediationId, 'the approval request', (s) => s.status === 'awaiting-approval');
  return { estate, ci, remediationId };
}

const remediationWhen = (id: string, what: string, ok: (s: RemediationState) => boolean) =>
  waitFor(what, async () => {
    const s = await w.client.workflow.getHandle(id).query(remediationQuery);
    return ok(s) ? s : undefined;
  });

afterAll(async () => {
  delete process.env.NHI_DIRECTORY_FILE;
  await w?.stop();
});

describe('nhi keys new', () => {
  it('writes the private key with mode 0600 outside the repository and prints the public-key line', async () => {
    const file = join(keysDir, 'alice@example.com.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ person: 'alice@example.com' });
    const text = await nhi(['keys', 'new', '--as', 'Carol@Example.com']);
    expect(text.code).toBe(0);
    expect(text.out).toEqual([expect.stringMatching(/^ed25519:[0-9a-f]{64}$/)]);
    expect(text.err.join('\n')).toContain('- id: carol@example.com');
    const again = await nhi(['keys', 'new', '--as', 'carol@example.com']);
    expect(again).toMatchObject({
      code: 1,
      err: [expect.stringMatching(/exists already \(--force replaces it/)],
    });
  });
});

describe('approvals from the command line', () => {
  it('pending lists the request with its reviewer context; the owner is refused, a reviewer approves', async () => {
    const json = await nhi(['pending', '--json']);
    expect(json.code).toBe(0);
    const mine = json.out.map((l) => JSON.parse(l)).find((p) => p.id === remediationId);
    expect(mine).toMatchObject({ kind: 'approval', status: 'awaiting-approval', missing: { security: 1 } });
    expect(mine.msLeft).toBeGreaterThan(71 * 3600_000);
    const text = await nhi(['pending']);
    expect(text.out.join('\n')).toMatch(
      /approval\s+remediate\/scope-down\/.*\n.*scope-down on .* owner team-ci, .*needs 1 more of security; (2d|3d)/,
    );

    // Paul is in security but also in team-ci, the owner: refused, one line, nothing acts.
    const owner = await nhi([
      'approve',
      remediationId,
      '--as',
      'paul@example.com',
      '--reason',
      'mine, fine',
      '--yes',
    ]);
    expect(owner.code).toBe(1);
    expect(owner.err.at(-1)).toMatch(
      /^nhi approve: refused: paul@example\.com is the identity's owner \(team-ci\)/,
    );
    // Bob is not in a group the rule names.
    const bob = await nhi(['approve', remediationId, '--as', 'bob@example.com', '--reason', 'ok', '--yes']);
    expect(bob.err.at(-1)).toMatch(
      /refused: bob@example\.com is in none of the groups this rule names \(security\)$/,
    );
    // Without --yes the reviewer is shown the request and asked; "n" sends nothing.
    const no = await nhi(['approve', remediationId, '--as', 'alice@example.com', '--reason', 'ok'], 'n\n');
    expect(no.code).toBe(1);
    const review = no.err.join('\n');
    for (const shown of [
      /owner +team-ci/,
      /plan hash +[0-9a-f]{64}/,
      /iam:PutUserPolicy/,
      /score +\d+/,
      /needs +1 of security/,
    ])
      expect(review).toMatch(shown);
    expect(no.err.at(-1)).toBe('nhi approve: not confirmed: nothing sent');

    const yes = await nhi(
      ['approve', remediationId, '--as', 'alice@example.com', '--reason', 'can reach admin', '--json'],
      'y\n',
    );
    expect(yes.code).toBe(0);
    expect(JSON.parse(yes.out[0]!)).toMatchObject({
      decision: 'approve',
      result: { accepted: true, missing: {} },
    });
    const done = await waitFor('the approved scope-down to run', async () => {
      const s = await w.client.workflow.getHandle(remediationId).query(remediationQuery);
      return s.status === 'executed' ? s : undefined;
    });
    expect(done.attempts.map((a) => [a.by, a.accepted])).toEqual([
      ['paul@example.com', false],
      ['bob@example.com', false],
      ['alice@example.com', true],
    ]);
    const late = await nhi([
      'reject',
      remediationId,
      '--as',
      'alice@example.com',
      '--reason',
      'late',
      '--yes',
    ]);
    expect(late.code).toBe(1);
    expect(late.err).toHaveLength(1);
    expect(late.err[0]).toMatch(/^nhi reject: refused: .*already decided/);
  });

  it('a plan changed during a kill-switch hold voids the approval; approve says when a re-plan voids it at once', async () => {
    const p = `${prefix}-hold`;
    const { remediationId: id } = await scopeDownAwaitingApproval(p);
    const iam = awsClients().iam;
    const brakes = (verb: 'pause' | 'resume', reason: string) =>
      nhi(['enforcement', verb, '--as', 'alice@example.com', '--reason', reason]);
    const approve = () =>
      nhi(['approve', id, '--as', 'alice@example.com', '--reason', 'reaches admin', '--yes']);

    expect((await brakes('pause', 'incident 7')).code).toBe(0);
    try {
      // Approved while paused: held, and the reviewer is told the plan is made again before it acts.
      const held = await approve();
      expect(held.code).toBe(0);
      expect(held.out.at(-1)).toMatch(
        new RegExp(
          `^approved ${id} as alice@example.com; held: enforcement paused by alice@example.com .*incident 7; the plan is made again before it acts`,
        ),
      );
      // The identity's IAM changes during the pause: it gains every action.
      await iam.send(
        new PutUserPolicyCommand({
          UserName: `${p}-ci`,
          PolicyName: 'granted-during-pause',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
          }),
        }),
      );
    } finally {
      expect((await brakes('resume', 'incident over')).code).toBe(0);
    }
    const second = await remediationWhen(
      id,
      'round 2 for the new plan',
      (s) => s.request?.round === 2 && s.status === 'awaiting-approval',
    );
    expect(second.voided.map((v) => v.by)).toEqual(['alice@example.com']);
    expect(second.planCheck).toMatchObject({
      round: 1,
      after: 'hold',
      voided: true,
      planHash: second.planHash,
    });
    expect(second.planCheck?.hold).toMatch(/^enforcement paused by alice@example\.com .*incident 7$/);
    expect(await historyText(w.client, id)).toContain('approval.voided');
    // Nothing acted on the old plan: no scope-down policy on the user.
    const policies = async () =>
      (await iam.send(new ListUserPoliciesCommand({ UserName: `${p}-ci` }))).PolicyNames ?? [];
    expect(await policies()).toEqual(['assume-deploy', 'granted-during-pause']);

    // The IAM changes again before round 2 is approved: the approval is voided at once, and approve says so.
    await iam.send(new DeleteUserPolicyCommand({ UserName: `${p}-ci`, PolicyName: 'granted-during-pause' }));
    const voided = await approve();
    expect(voided.code).toBe(3);
    expect(voided.out).toEqual([]);
    // stderr: the review of round 2 (--yes shows it), then one line saying the approval was voided.
    expect(voided.err.at(-1)).toMatch(
      new RegExp(
        `^nhi approve: approval of ${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} voided: the plan changed after round 2 was approved \\([0-9a-f]{12} → [0-9a-f]{12}; now iam:PutUserPolicy on ${p}-ci, denying \\d+ action\\(s\\)\\); nothing was done\\. Round 3 is open for the new plan: review it with nhi pending, then nhi approve `,
      ),
    );
    const pending = await nhi(['pending', '--json']);
    expect(pending.out.map((l) => JSON.parse(l)).find((x) => x.id === id)).toMatchObject({
      status: 'awaiting-approval',
      missing: { security: 1 },
    });
    expect((await w.client.workflow.getHandle(id).query(remediationQuery)).request?.round).toBe(3);
    expect(await policies()).toEqual(['assume-deploy']);
  });

  it('bad arguments exit 2 with one line', async () => {
    for (const args of [
      ['approve'],
      ['approve', 'x', '--as', 'alice@example.com'],
      ['reject', 'x', '--as', 'not-an-email', '--reason', 'r'],
      ['keys', 'new'],
      [
        'except',
        'request',
        later,
        '--action',
        'scope-down',
        '--for',
        'soon',
        '--as',
        'bob@example.com',
        '--reason',
        'r',
      ],
      ['except', 'approve', 'not-an-id', '--as', 'alice@example.com', '--reason', 'r'],
      ['pending', 'extra'],
      ['exceptions', '--bogus'],
    ]) {
      const r = await nhi(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toHaveLength(1);
    }
  });
});

describe('exceptions from the command line', () => {
  it('requested before the first finding, refused to its requester, granted by another, listed, revoked', async () => {
    const asked = await nhi([
      'except',
      'request',
      later,
      '--action',
      'scope-down',
      '--for',
      '7d',
      '--as',
      'bob@example.com',
      '--reason',
      'launch week',
      '--ticket',
      'CHG-42',
      '--json',
    ]);
    expect(asked.code).toBe(0);
    const id = JSON.parse(asked.out[0]!).id as string;
    expect(id).toBe(`exc-1@${later}`);

    const pending = await waitFor('the request in nhi pending', async () => {
      const r = await nhi(['pending', '--json']);
      return r.out.map((l) => JSON.parse(l)).find((p) => p.id === id);
    });
    expect(pending).toMatchObject({
      kind: 'exception',
      request: { requestedBy: 'bob@example.com', ticket: 'CHG-42' },
    });

    const own = await nhi(['except', 'approve', id, '--as', 'bob@example.com', '--reason', 'mine', '--yes']);
    expect(own).toMatchObject({ code: 1 });
    expect(own.err.at(-1)).toBe(
      'nhi except: refused: bob@example.com requested this exception and cannot approve it',
    );
    const granted = await nhi([
      'except',
      'approve',
      id,
      '--as',
      'alice@example.com',
      '--reason',
      'ok for launch',
      '--yes',
    ]);
    expect(granted.code).toBe(0);
    expect(granted.out[0]).toMatch(
      new RegExp(`^granted ${id.replace(/[/.]/g, '\\$&')}: scope-down paused until `),
    );

    const live = await waitFor('the grant in nhi exceptions', async () => {
      const r = await nhi(['exceptions', '--json']);
      return r.out.map((l) => JSON.parse(l)).find((e) => e.publicId === id);
    });
    expect(live).toMatchObject({
      live: true,
      requestedBy: 'bob@example.com',
      approvedBy: 'alice@example.com',
    });
    const shown = await nhi(['identity', later]);
    expect(shown.out.join('\n')).toMatch(
      /exc-1 scope-down +live +until .*requested by bob@example\.com, approved by alice@example\.com/,
    );

    const revoked = await nhi(['except', 'revoke', id, '--as', 'bob@example.com', '--reason', 'launch done']);
    expect(revoked).toMatchObject({ code: 0, out: [`revoked ${id}: enforcement resumes now`] });
    const ended = await waitFor('the revoked one in nhi exceptions --expired', async () => {
      const r = await nhi(['exceptions', '--expired']);
      return r.out.find((l) => l.startsWith(id));
    });
    expect(ended).toMatch(/revoked by bob@example\.com/);
  });
});
