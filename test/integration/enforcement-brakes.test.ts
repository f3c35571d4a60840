// Brakes and safe rollout, each case driven by findings delivered as the consumer does (signal-with-start on the
// identity's workflow), against the real Temporal, Kafka and the AWS emulator:
// - 60 threshold crossings over 3 accounts with a limit of 10 per hour per account: 10 act per account, the rest
//   are held with the reason; after `nhi enforcement pause` is acknowledged nothing acts, `resume` lets it go on;
// - a protected role is never touched;
// - rejected, then new risk crosses the threshold: a second proposal with a new id after the cool-down;
// - a rule in observe mode plans and records and acts on nothing; switched to auto it acts on the same identity.
// The brake cases use a cheap team action (test/mark) on roles in made-up accounts: the brakes are the subject,
// not IAM; the observe case deactivates a real key in the emulator.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RemediationAction } from '../../activities/actions/action.ts';
import { awsClients } from '../../activities/aws/clients.ts';
import { main } from '../../cli/main.ts';
import { planWorkflowId, remediationWorkflowId } from '../../risk/decide.ts';
import type { Finding } from '../../schemas/finding.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import type { PolicyInput } from '../../schemas/policy.ts';
import type { ControlStatus } from '../../workflows/control/definitions.ts';
import { controlStatusQuery, controlWorkflowId } from '../../workflows/control/definitions.ts';
import { identityQuery, identityWorkflowId } from '../../workflows/identity/definitions.ts';
import type { IdentityRecord } from '../../workflows/identity/state.ts';
import {
  decideUpdate,
  type RemediationState,
  remediationQuery,
} from '../../workflows/remediation/definitions.ts';
import { openAccount } from '../support/moto-accounts.ts';
import { directoryFile, keyFiles, person, sign } from '../support/people.ts';
import {
  deliver,
  finalHistory,
  finding,
  leakedKey,
  recordFixture,
  replay,
  seedAdminUser,
  startTestWorker,
  type TestWorker,
  waitFor,
} from './identity-support.ts';

const prefix = `brk-${randomUUID().slice(0, 8)}`;
const dir = mkdtempSync(join(tmpdir(), 'nhi-brakes-'));
let w: TestWorker;

/** Acts on nothing outside the test: records that it ran (the brakes, not IAM, are under test here). */
const marked: string[] = [];
const mark: RemediationAction = {
  name: 'test/mark',
  description: 'marks the identity (test only)',
  appliesTo: ['aws-role', 'aws-user'],
  plan: async (identity) => ({
    action: 'test/mark',
    identityKey: identity.key,
    steps: [{ api: 'test:Mark', target: identity.key, detail: {} }],
  }),
  execute: async (plan) => {
    marked.push(plan.identityKey);
    return { marked: plan.identityKey };
  },
  verify: async () => ({ ok: true, detail: 'marked' }),
};

const COOLDOWN_MINUTES = 0.5; // 30 s
/** Threshold crossings in the rate-limit case: three times what the three accounts' limits let act. */
const CROSSINGS = 60;
/** Accounts the worker is configured for (a role there it assumes), as an operator would set them up. */
const ACCOUNTS = ['111111111111', '222222222222', '333333333333', '444444444444', '555555555555'];
const accountRoles: Record<string, { roleArn: string }> = {};
function policy(observeKeys: 'observe' | 'auto'): PolicyInput {
  return {
    version: 1,
    accounts: accountRoles,
    enforcement: {
      cooldownMinutes: COOLDOWN_MINUTES,
      rateLimits: { perAccountPerHour: 10, overLimit: 'wait' },
      protected: ['arn:aws:iam::*:role/*break-glass*'],
    },
    rules: [
      {
        id: 'mark-compromised-roles',
        when: { minScore: 30, kinds: ['compromise-indicator'], identityTypes: ['aws-role'] },
        action: 'test/mark',
        mode: 'auto',
      },
      {
        id: 'mark-compromised-users',
        when: { minScore: 30, kinds: ['compromise-indicator'], identityTypes: ['aws-user'] },
        action: 'test/mark',
        mode: 'approval',
        approval: { groups: { security: 1 } },
      },
      {
        id: 'exposed-access-key',
        when: { minScore: 80, kinds: ['exposed-secret'], identityTypes: ['aws-access-key'] },
        action: 'deactivate-key',
        mode: observeKeys,
      },
    ],
  };
}
/** The worker reads NHI_POLICY_FILE at each assessment (cached per path): a new path is a policy change. */
function usePolicy(name: string, p: PolicyInput): void {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(p));
  process.env.NHI_POLICY_FILE = file;
}

const role = (account: string, name: string): IdentityRef => ({
  key: `arn:aws:iam::${account}:role/${name}`,
  type: 'aws-role',
  provider: 'aws',
  account,
  name,
  aliases: [],
});
const compromised = (identity: IdentityRef, seed: string): Finding =>
  finding(identity, 'compromise-indicator', { seed, severity: 90, format: 'guardduty' });

const record = (key: string): Promise<IdentityRecord> =>
  w.client.workflow.getHandle(identityWorkflowId(key)).query(identityQuery);
const remediation = (id: string): Promise<RemediationState> =>
  w.client.workflow.getHandle(id).query(remediationQuery);
const control = (): Promise<ControlStatus> =>
  w.client.workflow.getHandle(controlWorkflowId(w.taskQueue)).query(controlStatusQuery);

async function nhi(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

/** Queries many workflows a few at a time (the machine is small). */
async function mapBounded<T, R>(items: readonly T[], fn: (item: T) => Promise<R>, width = 8): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

// Pauses and resumes are signed by the brakes' group (security by default).
const oncall = person('oncall@example.com', 'security');

beforeAll(async () => {
  process.env.NHI_DIRECTORY_FILE = directoryFile([oncall], dir);
  process.env.NHI_KEYS_DIR = keyFiles([oncall], join(dir, 'keys'));
  for (const account of ACCOUNTS)
    accountRoles[account] = { roleArn: await openAccount(account, `${prefix}-nhi`) };
  usePolicy('observe', policy('observe'));
  w = await startTestWorker('brakes', { extraActions: [mark] });
});

afterAll(async () => {
  await w?.stop();
  delete process.env.NHI_POLICY_FILE;
  rmSync(dir, { recursive: true, force: true });
});

describe('brakes on automatic enforcement', () => {
  it('rate limits per account hold what is over, the kill switch holds the rest until resume, a protected role is never touched', async () => {
    const accounts = ['111111111111', '222222222222', '333333333333'];
    const roles = Array.from({ length: CROSSINGS }, (_, i) => role(accounts[i % 3]!, `${prefix}-svc-${i}`));
    const guarded = role(accounts[0]!, `${prefix}-break-glass-admin`);
    for (const r of [...roles, guarded]) {
      w.terminateAtStop.push(identityWorkflowId(r.key));
      w.terminateAtStop.push(remediationWorkflowId(r.key, 'test/mark', 0));
    }

    await mapBounded([...roles, guarded], (r) =>
      deliver(w.client, w.taskQueue, r, [compromised(r, `${r.key}/1`)]),
    );
    // Every crossing reaches its verdict: 10 act per account, the other 30 are held with the reason. Watched
    // through the control's status (one query), then each remediation is read once.
    await waitFor(
      `30 acts and ${CROSSINGS - 30} holds`,
      async () => {
        const c = await control();
        return c.actsLastHour.total === 30 && c.held === CROSSINGS - 30 && c.inflight.length === 0
          ? c
          : undefined;
      },
      600_000,
    );
    const states = await mapBounded(roles, async (r) =>
      remediation(remediationWorkflowId(r.key, 'test/mark', 0)),
    );
    const executed = states.filter((s) => s.status === 'executed');
    const held = states.filter((s) => s.status === 'held');
    expect(executed).toHaveLength(30);
    expect(held).toHaveLength(CROSSINGS - 30);
    for (const account of accounts) {
      expect(executed.filter((s) => s.input.identity.account === account)).toHaveLength(10);
      expect(marked.filter((k) => k.includes(`::${account}:`))).toHaveLength(10);
    }
    for (const s of held) {
      expect(s!.hold?.reason).toMatch(
        new RegExp(
          `^rate limit: 10 automatic remediations per hour in account ${s!.input.identity.account} reached; next slot at `,
        ),
      );
      expect(s!.hold?.retryAt).toBeDefined();
    }
    expect((await control()).actsLastHour.byAccount).toEqual(
      Object.fromEntries(accounts.map((a) => [a, 10])),
    );

    // The protected role: the rule fired, nothing was proposed, and the record says why.
    const guardedRecord = await waitFor('the protected role assessed', async () => {
      const r = await record(guarded.key);
      return r.assessment ? r : undefined;
    });
    expect(guardedRecord.remediations).toEqual([]);
    expect(guardedRecord.skipped).toEqual([
      expect.objectContaining({
        action: 'test/mark',
        reason: `protected: ${guarded.key} matches the policy's protected pattern arn:aws:iam::*:role/*break-glass*`,
      }),
    ]);
    expect(marked).not.toContain(guarded.key);

    // Kill switch: once the pause is acknowledged, a new crossing (in an account under its limit) does not act.
    const paused = await nhi(
      'enforcement',
      'pause',
      '--as',
      oncall.id,
      '--reason',
      'incident 42',
      '--task-queue',
      w.taskQueue,
      '--json',
    );
    expect(paused.code).toBe(0);
    const pausedStatus = JSON.parse(paused.out[0]!) as ControlStatus;
    expect(pausedStatus).toMatchObject({
      acknowledged: true,
      inflight: [],
      paused: { by: oncall.id, reason: 'incident 42' },
    });
    const late = role('444444444444', `${prefix}-late`);
    w.terminateAtStop.push(identityWorkflowId(late.key), remediationWorkflowId(late.key, 'test/mark', 0));
    await deliver(w.client, w.taskQueue, late, [compromised(late, `${late.key}/1`)]);
    const lateHeld = await waitFor('the late remediation to be held', async () => {
      const s = await remediation(remediationWorkflowId(late.key, 'test/mark', 0)).catch(() => undefined);
      return s?.status === 'held' ? s : undefined;
    });
    expect(lateHeld.hold?.reason).toBe(
      `enforcement paused by ${oncall.id} at ${pausedStatus.paused!.at}: incident 42`,
    );
    expect(marked).not.toContain(late.key);
    const text = await nhi('enforcement', 'status', '--task-queue', w.taskQueue);
    expect(text.out[0]).toBe(`paused by ${oncall.id} at ${pausedStatus.paused!.at}: incident 42`);
    expect(text.out[1]).toBe('acknowledged: nothing acts until resume');

    // Resume: the held work goes on (the late one acts; the rate-limited ones stay held by their limit).
    const resumed = await nhi(
      'enforcement',
      'resume',
      '--as',
      oncall.id,
      '--reason',
      'incident over',
      '--task-queue',
      w.taskQueue,
      '--json',
    );
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.out[0]!).paused).toBeUndefined();
    await waitFor('the late remediation to act', async () =>
      (await remediation(remediationWorkflowId(late.key, 'test/mark', 0))).status === 'executed'
        ? 1
        : undefined,
    );
    expect(marked).toContain(late.key);
    const after = await control();
    expect(after.actsLastHour.total).toBe(31);
    expect(marked).toHaveLength(31);
  }, 900_000);

  it('rejected, then new risk crosses the threshold: proposed again with a new id after the cool-down', async () => {
    const user: IdentityRef = {
      key: `arn:aws:iam::555555555555:user/${prefix}-deployer`,
      type: 'aws-user',
      provider: 'aws',
      account: '555555555555',
      name: `${prefix}-deployer`,
      aliases: [],
    };
    const first = remediationWorkflowId(user.key, 'test/mark', 0);
    const second = remediationWorkflowId(user.key, 'test/mark', 1);
    w.terminateAtStop.push(identityWorkflowId(user.key), first, second);
    // The worker in this process reads the directory when a request opens.
    const alice = person('alice@example.com', 'security');
    process.env.NHI_DIRECTORY_FILE = directoryFile([alice, oncall], tmpdir());

    const f1 = compromised(user, `${user.key}/1`);
    await deliver(w.client, w.taskQueue, user, [f1]);
    await waitFor('the first proposal to await approval', async () =>
      (await remediation(first).catch(() => undefined))?.status === 'awaiting-approval' ? 1 : undefined,
    );
    const open = await remediation(first);
    const answer = await w.client.workflow.getHandle(first).executeUpdate(decideUpdate, {
      args: [
        sign(alice, {
          workflowId: open.request!.workflowId,
          runId: open.request!.runId,
          planHash: open.planHash!,
          decision: 'reject',
          reason: 'not now',
        }),
      ],
    });
    expect(answer.accepted).toBe(true);
    const rejected = await waitFor('the rejection recorded on the identity', async () => {
      const r = await record(user.key);
      return r.remediations[0]?.ended ? r : undefined;
    });
    expect(rejected.remediations[0]).toMatchObject({
      workflowId: first,
      epoch: 0,
      ended: { status: 'rejected' },
    });

    // The same risk again (a repeat of the finding's kind) is no new crossing: nothing is proposed.
    await deliver(w.client, w.taskQueue, user, [compromised(user, `${user.key}/1b`)]);
    const still = await waitFor('the repeat assessed', async () => {
      const r = await record(user.key);
      return r.findingIds.length === 2 && r.skipped?.length ? r : undefined;
    });
    expect(still.remediations).toHaveLength(1);
    expect(still.skipped?.[0]?.reason).toMatch(
      /test\/mark rejected at .* proposed again only when new risk crosses the threshold/,
    );

    // The findings are resolved (the score falls below the threshold), then a new one moves it across again.
    // The tool reports the same findings resolved (same ids): they close.
    const resolved = (f: Finding): Finding => ({ ...f, status: 'resolved' });
    await deliver(w.client, w.taskQueue, user, [resolved(f1), resolved(compromised(user, `${user.key}/1b`))]);
    const rearmed = await waitFor('the proposal re-armed', async () => {
      const r = await record(user.key);
      return r.remediations[0]?.rearmedAt ? r : undefined;
    });
    expect(rearmed.assessment?.risk.score).toBeLessThan(30);
    await deliver(w.client, w.taskQueue, user, [compromised(user, `${user.key}/2`)]);
    const again = await waitFor(
      'the second proposal',
      async () => {
        const r = await record(user.key);
        return r.remediations.length === 2 ? r : undefined;
      },
      120_000,
    );
    const [a, b] = again.remediations;
    expect(b).toMatchObject({ workflowId: second, epoch: 1, action: 'test/mark' });
    expect(b!.workflowId).not.toBe(a!.workflowId);
    // Not before the cool-down after the rejection.
    expect(Date.parse(b!.startedAt) - Date.parse(a!.ended!.at)).toBeGreaterThanOrEqual(
      COOLDOWN_MINUTES * 60_000,
    );
    await waitFor('the second proposal to await approval', async () =>
      (await remediation(second)).status === 'awaiting-approval' ? 1 : undefined,
    );

    // `nhi identity` shows the chain.
    const shown = await nhi('identity', user.key);
    const lines = shown.out.join('\n');
    expect(lines).toContain(`proposal 0, rule mark-compromised-users (approval)`);
    expect(lines).toMatch(/ended rejected at /);
    expect(lines).toContain(`proposal 1, rule mark-compromised-users (approval)`);

    // The history (ended signal, re-arming, the cool-down's timer) replays, and becomes a replay fixture.
    const history = await finalHistory(w.client, identityWorkflowId(user.key));
    expect(await replay([{ workflowId: identityWorkflowId(user.key), history }])).toEqual([]);
    recordFixture('identity-repropose', history);
  }, 300_000);

  it('a rule in observe mode plans and records, acts on nothing; switched to auto it acts on the same identity', async () => {
    const a = await seedAdminUser(`${prefix}-obs`, { owner: 'team-obs' });
    const key = a.key;
    w.terminateAtStop.push(identityWorkflowId(key.key));
    const leaked = (seed: string): Finding => leakedKey(key, { seed, fingerprint: 'b'.repeat(64) });
    const status = async () =>
      (
        await awsClients().iam.send(new ListAccessKeysCommand({ UserName: `${prefix}-obs` }))
      ).AccessKeyMetadata?.find((k) => k.AccessKeyId === key.name)?.Status;

    await deliver(w.client, w.taskQueue, key, [leaked(`${prefix}/obs/1`)]);
    const planId = planWorkflowId(key.key, 'deactivate-key', 0);
    w.terminateAtStop.push(planId);
    await waitFor('the observe plan to start', async () =>
      (await record(key.key)).remediations.length ? 1 : undefined,
    );
    const observed = (await w.client.workflow.getHandle(planId).result()) as RemediationState;
    expect(observed.status).toBe('observed');
    expect(observed.plan?.steps.map((s) => s.api)).toEqual(['iam:UpdateAccessKey']);
    const r1 = await record(key.key);
    expect(r1.remediations).toEqual([
      expect.objectContaining({ workflowId: planId, observe: true, mode: 'observe' }),
    ]);
    expect(await status()).toBe('Active');
    // The enforcer's own identity is known to the assessment (never acted upon: risk/brakes.ts protectionOf).
    expect(r1.assessment?.enforcer).toMatch(/^arn:aws:(iam|sts)::\d{12}:/);

    // The policy switches the rule to auto; the next finding about the key acts under the real id.
    usePolicy('auto', policy('auto'));
    await deliver(w.client, w.taskQueue, key, [leaked(`${prefix}/obs/2`)]);
    const realId = remediationWorkflowId(key.key, 'deactivate-key', 0);
    w.terminateAtStop.push(realId);
    await waitFor('the real remediation to start', async () =>
      (await record(key.key)).remediations.some((r) => r.workflowId === realId) ? 1 : undefined,
    );
    const done = (await w.client.workflow.getHandle(realId).result()) as RemediationState;
    expect(done.status).toBe('executed');
    expect(await status()).toBe('Inactive');
    const r2 = await record(key.key);
    expect(r2.remediations.find((r) => r.workflowId === realId)).toMatchObject({ mode: 'auto', epoch: 0 });
    expect(r2.remediations.find((r) => r.workflowId === realId)?.alreadyStarted).toBeUndefined();

    const history = await finalHistory(w.client, identityWorkflowId(key.key));
    expect(await replay([{ workflowId: identityWorkflowId(key.key), history }])).toEqual([]);
    recordFixture('identity-observe-then-auto', history);
  }, 180_000);
});
