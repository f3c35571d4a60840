// A team action under the same safety as the built-ins, on the time-skipping test server: a live exception holds
// it and enforcement resumes when the exception expires or is revoked; the rate limits per account and across
// accounts hold it until a slot frees; failed acts open the circuit breaker, which then asks a signed approval for
// it and closes by itself after its quiet period. The team action is the README's second example
// (fixtures/team-action/tag-secret.ts) on its own worker and task queue, tagging real secrets in the AWS emulator;
// the registry, its resolution and the control workflow are the real ones. Assessments are stubs (the score is not
// the subject here).
import { randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  type SecretsManagerClient,
  TagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import type { WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRegistryActivities, registerAction } from '../../activities/action-registry.ts';
import type { Assessment } from '../../activities/assess-identity.ts';
import { awsClients } from '../../activities/aws/clients.ts';
import { createControlActivities } from '../../activities/enforcement-control.ts';
import type { EventInput } from '../../activities/events/publish.ts';
import type { Activities } from '../../activities/index.ts';
import { createServiceSealActivities } from '../../activities/service-seals.ts';
import { exceptionDecision, exceptionRequest } from '../../cli/decisions.ts';
import { endpoints } from '../../infra/endpoints.ts';
import { testServerPath } from '../../infra/install/index.ts';
import { activitiesOf, defineAction, registrationOf } from '../../kit/actions.ts';
import type { BrakeSettings } from '../../risk/brakes.ts';
import { remediationWorkflowId } from '../../risk/decide.ts';
import { createWorker } from '../../runtime/worker.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import { parsePolicy } from '../../schemas/policy.ts';
import { controlStatusQuery, controlWorkflowId } from '../../workflows/control/definitions.ts';
import {
  decideExceptionUpdate,
  findingsSignal,
  identityQuery,
  identityWorkflowId,
  requestExceptionUpdate,
  revokeExceptionUpdate,
} from '../../workflows/identity/definitions.ts';
import type { IdentityRecord } from '../../workflows/identity/state.ts';
import type { identityWorkflow } from '../../workflows/identity/workflow.ts';
import {
  type RemediationInput,
  type RemediationState,
  remediationQuery,
} from '../../workflows/remediation/definitions.ts';
import type { remediationWorkflow } from '../../workflows/remediation/workflow.ts';
import { decideRemediation, person, snapshotOf } from '../support/people.ts';
import { recordedEvents } from '../support/recorded-events.ts';
import { sealed } from '../support/service-seal.ts';
import { unusedAccessActivities } from '../support/unused-access.ts';
import { tagSecret } from './fixtures/team-action/tag-secret.ts';
import { finding } from './identity-support.ts';

const DAY = 86_400_000;
const ACTION = 'fixture/tag-secret';
const run = randomUUID().slice(0, 8);
const taskQueue = `team-brk-${run}`;
const teamQueue = `fixture-brk-${run}`;
const sm = () => awsClients().secretsManager;

let env: TestWorkflowEnvironment;
let enforcer: Worker;
let team: Worker;
const running: Promise<void>[] = [];
const published: EventInput[] = [];

const bob = person('bob@example.com', 'payments'); // asks for exceptions
const alice = person('alice@example.com', 'security'); // approves them, and brake approvals
const directory = snapshotOf([bob, alice]);

/** The team's Secrets Manager client: TagResource on a secret named `broken-…` is denied (a team's IAM gap). */
function denyingBroken(real: SecretsManagerClient): SecretsManagerClient {
  return {
    send: (command: unknown) => {
      if (command instanceof TagResourceCommand && String(command.input.SecretId).includes('/broken-')) {
        const denied = new Error('User is not authorized to perform: secretsmanager:TagResource');
        denied.name = 'AccessDeniedException';
        return Promise.reject(denied);
      }
      return real.send(command as never);
    },
  } as SecretsManagerClient;
}

// One attempt per phase, as the team registered it: a denied tag fails the act at once.
const action = defineAction({ ...tagSecret(denyingBroken(sm())), retry: { maximumAttempts: 1 } });

/** The secret each identity's finding leaked from (the rule's params name it). */
const secretOf = new Map<string, string>();
const NO_LIMITS: BrakeSettings = {
  rateLimits: { overLimit: 'wait' },
  circuitBreaker: { failures: 2, windowMinutes: 60, quietMinutes: 30 },
};

const policyFor = (identity: IdentityRef) =>
  parsePolicy({
    version: 1,
    enforcement: NO_LIMITS,
    rules: [
      {
        id: 'leaked-secret',
        when: { minScore: 0, kinds: ['exposed-secret'], identityTypes: ['secret'] },
        mode: 'auto',
        action: ACTION,
        params: { secretId: secretOf.get(identity.key) ?? 'none' },
      },
    ],
  });

const activities: Activities = {
  assessIdentity: async ({ identity }) =>
    ({
      assessedAt: new Date().toISOString(),
      policy: policyFor(identity),
      credentials: {},
      roles: [],
      capabilities: [],
      risk: { score: 80, total: 80, factors: [] },
    }) as unknown as Assessment,
  ...recordedEvents(published),
  loadDirectory: async () => directory,
  exceptionContext: async () => ({
    directory,
    limits: parsePolicy({ version: 1, rules: [] }).exceptions,
    ruleActions: [ACTION],
  }),
  planRemediation: async () => {
    throw new Error('only the team action runs here');
  },
  executeRemediation: async () => {
    throw new Error('only the team action runs here');
  },
  verifyRemediation: async () => {
    throw new Error('only the team action runs here');
  },
  rollbackRemediation: async () => {
    throw new Error('only the team action runs here');
  },
  verifyRollback: async () => {
    throw new Error('only the team action runs here');
  },
  ...createControlActivities(),
  ...createRegistryActivities(),
  ...unusedAccessActivities,
  ...createServiceSealActivities(),
};

beforeAll(() => {
  Runtime.install({ logger: new DefaultLogger(process.env.DBG ? 'WARN' : 'ERROR') });
});

// A time-skipping server per case: workflows an earlier case left waiting (follow-up re-checks, exception timers,
// held remediations) would otherwise keep the server from skipping time for the next one.
beforeEach(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServerPath() } },
  });
  // The test environment's client has no payload codec: neither worker encrypts.
  enforcer = await createWorker(env.nativeConnection, activities, taskQueue, { dataConverter: {} });
  team = await Worker.create({
    connection: env.nativeConnection,
    namespace: endpoints().temporalNamespace,
    taskQueue: teamQueue,
    activities: activitiesOf(action),
  });
  running.push(enforcer.run(), team.run());
  await registerAction(env.client, taskQueue, registrationOf(action, teamQueue), {
    person: alice.id,
    secretKey: alice.secretKey,
  });
}, 180_000);

afterEach(async () => {
  for (const w of [enforcer, team]) if (w?.getState() === 'RUNNING') w.shutdown();
  await Promise.all(running.splice(0));
  await env?.teardown();
}, 120_000);

/** A secret in the emulator and the scanner identity of its leak (in `account`, for the rate limits). */
async function leakedSecret(name: string, account = '111111111111'): Promise<IdentityRef> {
  const secretId = `team-brk-${run}/${name}`;
  await sm().send(new CreateSecretCommand({ Name: secretId, SecretString: randomUUID() }));
  const identity: IdentityRef = {
    key: `secret:uri:${randomUUID().replaceAll('-', '').slice(0, 16)}`,
    type: 'secret',
    provider: 'generic',
    account,
    aliases: [],
  };
  secretOf.set(identity.key, secretId);
  return identity;
}

const tagged = async (identity: IdentityRef) =>
  ((await sm().send(new DescribeSecretCommand({ SecretId: secretOf.get(identity.key)! }))).Tags ?? []).some(
    (t) => t.Key === 'nhi:leaked',
  );

/** Polled by query: awaiting a result would let the test server skip time (and the timers under test with it). */
async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const statusOf = (h: WorkflowHandle, ...statuses: string[]) => {
  return until(`${h.workflowId} to be ${statuses.join(' or ')}`, async () => {
    const s = (await h.query(remediationQuery)) as RemediationState;
    return statuses.includes(s.status) ? s : undefined;
  });
};
const recordOf = (h: WorkflowHandle, ok: (r: IdentityRecord) => boolean) =>
  until(`${h.workflowId} to reach the expected record`, async () => {
    const r = await h.query(identityQuery);
    return ok(r) ? r : undefined;
  });

const startRemediation = (who: IdentityRef, brakes: BrakeSettings, extra: Partial<RemediationInput> = {}) =>
  env.client.workflow.start<typeof remediationWorkflow>('remediationWorkflow', {
    workflowId: `remediate/${ACTION}/${who.key}/${randomUUID().slice(0, 6)}`,
    taskQueue,
    args: [
      {
        identity: who,
        action: ACTION,
        ruleId: 'by-hand',
        mode: 'auto',
        params: { secretId: secretOf.get(who.key)! },
        reasons: ['test'],
        findingIds: [],
        brakes: { ...brakes, protected: [] },
        ...extra,
      },
    ],
  });

describe('rate limits hold a team action', () => {
  it('per account and across accounts: held with the reason until the hour frees a slot', async () => {
    const limits: BrakeSettings = {
      rateLimits: { perAccountPerHour: 1, globalPerHour: 2, overLimit: 'wait' },
      circuitBreaker: NO_LIMITS.circuitBreaker,
    };
    const a1 = await leakedSecret('a1', '111111111111');
    const a2 = await leakedSecret('a2', '111111111111');
    const b1 = await leakedSecret('b1', '222222222222');
    const c1 = await leakedSecret('c1', '333333333333');
    const first = await startRemediation(a1, limits);
    expect((await statusOf(first, 'executed', 'held', 'failed')).status).toBe('executed');
    const sameAccount = await startRemediation(a2, limits);
    const heldA = await statusOf(sameAccount, 'executed', 'held', 'failed');
    expect(heldA.hold?.reason).toMatch(
      /^rate limit: 1 automatic remediations per hour in account 111111111111 reached/,
    );
    expect((await statusOf(await startRemediation(b1, limits), 'executed', 'held', 'failed')).status).toBe(
      'executed',
    );
    const third = await startRemediation(c1, limits);
    const heldGlobal = await statusOf(third, 'executed', 'held', 'failed');
    expect(heldGlobal.hold?.reason).toMatch(
      /^rate limit: 2 automatic remediations per hour across all accounts reached/,
    );
    expect([await tagged(a2), await tagged(c1)]).toEqual([false, false]);

    // An hour later the slots are free: both act by themselves.
    await env.sleep('61 minutes');
    expect((await statusOf(sameAccount, 'executed', 'failed')).status).toBe('executed');
    expect((await statusOf(third, 'executed', 'failed')).status).toBe('executed');
    expect([await tagged(a2), await tagged(c1)]).toEqual([true, true]);
  }, 60_000);
});

describe('the circuit breaker holds a team action', () => {
  it('failed team acts open it; the team action then needs a signed approval; it closes after the quiet period', async () => {
    for (const name of ['broken-1', 'broken-2']) {
      const failed = await statusOf(
        await startRemediation(await leakedSecret(name), NO_LIMITS),
        'failed',
        'executed',
      );
      expect(failed.status).toBe('failed');
    }
    const control = env.client.workflow.getHandle(controlWorkflowId(taskQueue));
    const status = await until(
      'the breaker to open',
      async () => (await control.query(controlStatusQuery)).breaker,
    );
    expect(status.reason).toMatch(
      /^2 failures or verification misses within 60 min \(last: remediate\/fixture\/tag-secret\/.*not authorized to perform: secretsmanager:TagResource\)$/,
    );

    const healthy = await leakedSecret('healthy-1');
    const held = await startRemediation(healthy, NO_LIMITS);
    const waiting = await statusOf(held, 'awaiting-approval', 'executed');
    expect(waiting.approvalReason).toBe(`circuit breaker open since ${status.openedAt}: ${status.reason}`);
    expect(await tagged(healthy)).toBe(false);
    const answer = await decideRemediation(held, alice, 'approve', 'checked by hand');
    expect(answer.accepted).toBe(true);
    expect((await statusOf(held, 'executed', 'failed')).status).toBe('executed');
    expect(await tagged(healthy)).toBe(true);

    await env.sleep('31 minutes');
    expect((await control.query(controlStatusQuery)).breaker).toBeUndefined();
    const later = await leakedSecret('healthy-2');
    expect(
      (await statusOf(await startRemediation(later, NO_LIMITS), 'executed', 'awaiting-approval')).status,
    ).toBe('executed');
    expect(await tagged(later)).toBe(true);
  }, 60_000);
});

describe('exceptions hold a team action', () => {
  const startIdentity = (who: IdentityRef) =>
    env.client.workflow.start<typeof identityWorkflow>('identityWorkflow', {
      workflowId: identityWorkflowId(who.key),
      taskQueue,
      args: [{ identity: who }],
    });
  /** Bob asks, Alice approves: a live exception for the team action. */
  async function granted(handle: WorkflowHandle, who: IdentityRef, days: number) {
    const terms = { identityKey: who.key, action: ACTION, for: `${days}d`, ticket: 'CHG-77' };
    const opened = await handle.executeUpdate(requestExceptionUpdate, {
      args: [
        exceptionRequest({ person: bob.id, secretKey: bob.secretKey }, terms, 'the owners rotate it today'),
      ],
    });
    expect(opened).toMatchObject({ accepted: true, status: 'open' });
    const hash = (await handle.query(identityQuery)).exceptionRequests.find(
      (r) => r.id === opened.id,
    )!.termsHash;
    const approve = exceptionDecision(
      { person: alice.id, secretKey: alice.secretKey },
      who.key,
      opened.id!,
      hash,
      'approve',
      'ok for a week',
    );
    expect(await handle.executeUpdate(decideExceptionUpdate, { args: [approve] })).toMatchObject({
      accepted: true,
      status: 'granted',
    });
    return { id: opened.id!, hash };
  }

  it('while live nothing runs; when it expires the team action runs on its worker, with no new finding', async () => {
    const who = await leakedSecret('expires');
    const handle = await startIdentity(who);
    await granted(handle, who, 7);
    await handle.signal(
      findingsSignal,
      sealed(
        handle.workflowId,
        findingsSignal,
        { identity: who, findings: [finding(who, 'exposed-secret')] },
        { at: new Date(await env.currentTimeMs()) },
      ),
    );
    const held = await recordOf(handle, (r) => r.assessment !== undefined);
    expect(held.remediations).toEqual([]);
    await env.sleep(6 * DAY);
    expect((await handle.query(identityQuery)).remediations).toEqual([]);
    expect(await tagged(who)).toBe(false);

    await env.sleep(DAY + 3_600_000);
    const after = await recordOf(handle, (r) => r.remediations.length > 0);
    const id = remediationWorkflowId(who.key, ACTION, 0);
    expect(after.remediations).toEqual([expect.objectContaining({ action: ACTION, workflowId: id })]);
    expect(after.exceptions[0]?.expiredAt).toBeDefined();
    const state = await statusOf(env.client.workflow.getHandle(id), 'executed', 'failed', 'refused');
    expect(state.status).toBe('executed');
    expect(state.teamAction?.taskQueue).toBe(teamQueue);
    expect(await tagged(who)).toBe(true);
    const types = published.filter((e) => e.identityKey === who.key).map((e) => e.type);
    expect(types.indexOf('exception.expired')).toBeGreaterThan(-1);
    expect(types.indexOf('exception.expired')).toBeLessThan(types.indexOf('remediation.started'));
    await handle.terminate('test over');
  }, 90_000);

  it('revoked: enforcement resumes at once and the team action runs', async () => {
    const who = await leakedSecret('revoked');
    const handle = await startIdentity(who);
    const exception = await granted(handle, who, 7);
    await handle.signal(
      findingsSignal,
      sealed(
        handle.workflowId,
        findingsSignal,
        { identity: who, findings: [finding(who, 'exposed-secret')] },
        { at: new Date(await env.currentTimeMs()) },
      ),
    );
    expect((await recordOf(handle, (r) => r.assessment !== undefined)).remediations).toEqual([]);
    expect(await tagged(who)).toBe(false);
    const revoke = exceptionDecision(
      { person: bob.id, secretKey: bob.secretKey },
      who.key,
      exception.id,
      exception.hash,
      'revoke',
      'rotated after all',
    );
    expect(await handle.executeUpdate(revokeExceptionUpdate, { args: [revoke] })).toMatchObject({
      accepted: true,
      status: 'revoked',
    });
    const resumed = await recordOf(handle, (r) => r.remediations.length > 0);
    expect(resumed.remediations.map((r) => r.action)).toEqual([ACTION]);
    const state = await statusOf(
      env.client.workflow.getHandle(resumed.remediations[0]!.workflowId),
      'executed',
      'failed',
      'refused',
    );
    expect(state.status).toBe('executed');
    expect(await tagged(who)).toBe(true);
    await handle.terminate('test over');
  }, 60_000);
});
