// Authority is a signature, never a connection (issue #21), against the real Temporal and the AWS emulator. Each
// forged message is sent as an attacker with only a Temporal connection would send it: from a bare client (no payload
// key: plaintext payloads) and from a client with the payload key but no signing key (unsigned, signed by someone
// outside the group, signed with another person's key, signed over other terms, replayed, or signed at a time outside
// the policy's decisions.maxSkew). Each is refused and recorded (who tried, what, why) where `nhi identity`, the
// workflow's query or the evidence shows it, and what it tried to undo stays in place: the pause and the breaker, the
// registry entry and its queue, the live grant and no new grant or exception. The legitimate signed path then works,
// through the CLI where the CLI offers it.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListUsersCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { AssumeRoleSpy } from '../../activities/access/grant.ts';
import { awsClients, awsClientsFor } from '../../activities/aws/clients.ts';
import { awaitGrant, collectCredentials, requestAccess } from '../../cli/access-client.ts';
import { exceptionRequest, remediationRetry } from '../../cli/decisions.ts';
import { main } from '../../cli/main.ts';
import type { AccessSummary } from '../../evidence/access-summary.ts';
import { exportEvidence } from '../../evidence/export.ts';
import type { Manifest } from '../../evidence/manifest.ts';
import type { RefusedMessageSummary } from '../../evidence/refused-message-cases.ts';
import { endpoints } from '../../infra/endpoints.ts';
import { remediationWorkflowId } from '../../risk/decide.ts';
import { accessWorkflowId } from '../../schemas/access.ts';
import type { RegisteredActionInput } from '../../schemas/action-contract.ts';
import type { Finding } from '../../schemas/finding.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import { signSeal } from '../../schemas/service-seal.ts';
import { newKeyPair } from '../../schemas/signed-decision.ts';
import { accessQuery, accessUsedSignal, riskRevocationSignal } from '../../workflows/access/definitions.ts';
import {
  actDoneSignal,
  brakeTerms,
  CONTROL_RUN,
  controlStatusQuery,
  controlWorkflowId,
  resumeUpdate,
} from '../../workflows/control/definitions.ts';
import {
  identityQuery,
  identityWorkflowId,
  requestExceptionUpdate,
  retryRemediationUpdate,
} from '../../workflows/identity/definitions.ts';
import {
  REGISTRY_RUN,
  refusedRegistrationsQuery,
  registerActionUpdate,
  registeredActionsQuery,
  registrationTerms,
  registryWorkflowId,
  removalTerms,
  removeActionUpdate,
} from '../../workflows/registry/definitions.ts';
import { decideUpdate, remediationQuery } from '../../workflows/remediation/definitions.ts';
import { testSigner } from '../support/evidence.ts';
import { accessKeyStatus, createAssumableRole, createTestUser } from '../support/iam-principals.ts';
import { collect } from '../support/kafka.ts';
import { brakeAs, decideRemediation, directoryFile, keyFiles, person, sign } from '../support/people.ts';
import { sealed } from '../support/service-seal.ts';
import {
  deliver,
  finding,
  leakedKey,
  seedAdminUser,
  startTestWorker,
  type TestWorker,
  waitFor,
} from './identity-support.ts';

const prefix = `fa-${randomUUID().slice(0, 8)}`;
const testStart = new Date().toISOString();
const dir = mkdtempSync(join(tmpdir(), 'nhi-forged-authority-'));
const alice = person('alice@example.com', 'security');
const bob = person('bob@example.com', 'platform');
const rita = person('rita@example.com', 'deployers');
const mallory = person('mallory@example.com', 'marketing');
// A team worker's service key: a directory entry in its team's group (it registers its own team's actions).
const dbteam = person('svc-dbteam@example.com', 'dbteam');
const sent: Array<Parameters<AssumeRoleSpy>[0]> = [];
let w: TestWorker;
/** No payload key: every payload it sends is plaintext (the codec refuses it as undecodable). */
let bare: Client;
let account: string;
const createRole = (name: string, trusted: string) => createAssumableRole(`${prefix}-${name}`, trusted);
const createUser = (name: string) => createTestUser(`${prefix}-${name}`, account);
let users: Record<'low' | 'self' | 'a' | 'b', IdentityRef>;

/** `nhi …` in-process, as a user runs it, on this test's task queue. */
async function nhi(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

/** The refusal a workflow answered a forged update with (its failure's message), or 'accepted'. */
const refusalOf = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'accepted',
    (e: Error) => (e instanceof WorkflowUpdateFailedError ? String(e.cause?.message) : e.message),
  );

const keyStatus = accessKeyStatus;

const leaked = (identity: IdentityRef, seed: string): Finding =>
  leakedKey(identity, { seed, fingerprint: 'd'.repeat(64) });

beforeAll(async () => {
  const caller = (await awsClients().sts.send(new GetCallerIdentityCommand({}))).Arn!;
  account = caller.split(':')[4]!;
  await createRole('list', caller);
  users = {
    low: await createUser('low'),
    self: await createUser('self'),
    a: await createUser('a'),
    b: await createUser('b'),
  };
  process.env.NHI_DIRECTORY_FILE = directoryFile([alice, bob, rita, mallory, dbteam], dir);
  process.env.NHI_KEYS_DIR = keyFiles([alice, bob, rita, mallory, dbteam], join(dir, 'keys'));
  const policyFile = join(dir, 'policy.yaml');
  writeFileSync(
    policyFile,
    stringify({
      version: 1,
      rules: [
        {
          id: 'leaked-key',
          when: { minScore: 50, kinds: ['exposed-secret'], identityTypes: ['aws-access-key'] },
          action: 'deactivate-key',
          mode: 'approval',
          approval: { groups: { security: 1 }, timeout: '72h', onTimeout: 'cancel' },
        },
      ],
      protectedActions: [
        {
          name: 'list-users',
          actions: ['iam:ListUsers'],
          risk: 'low',
          role: `${prefix}-list`,
          maxDuration: '30m',
          // People only: no identity is a requester of its own grant here.
          requesters: { groups: ['deployers'] },
          riskCeiling: 40,
        },
        {
          name: 'self-list',
          actions: ['iam:ListUsers'],
          risk: 'low',
          role: `${prefix}-list`,
          maxDuration: '30m',
          // The identity is listed, but no person approves: an unsigned request proves nothing.
          requesters: { identities: [users.self.key] },
          riskCeiling: 40,
        },
      ],
    }),
  );
  w = await startTestWorker('forged-authority', { policyFile, assumeRoleSpy: (r) => sent.push(r) });
  bare = new Client({ connection: w.client.connection, namespace: endpoints().temporalNamespace });
}, 120_000);

afterAll(async () => {
  if (w)
    for await (const e of w.client.workflow.list({
      query: `ExecutionStatus = 'Running' AND TaskQueue = '${w.taskQueue}'`,
    }))
      await w.client.workflow
        .getHandle(e.workflowId, e.runId)
        .terminate('test over')
        .catch(() => {});
  await w?.stop();
}, 60_000);

describe('signed decisions outside the policy skew', () => {
  it('a stale and a future signed approval are refused and recorded; a fresh one deactivates the key', async () => {
    const seeded = await seedAdminUser(`${prefix}-skew`);
    const { key } = seeded;
    const id = remediationWorkflowId(key.key, 'deactivate-key', 0);
    await deliver(w.client, w.taskQueue, key, [leaked(key, `${prefix}/skew`)]);
    const handle = w.client.workflow.getHandle(id);
    const open = await waitFor('the remediation to await approval', async () => {
      const s = await handle.query(remediationQuery).catch(() => undefined);
      return s?.status === 'awaiting-approval' ? s : undefined;
    });
    const claims = {
      workflowId: open.request!.workflowId,
      runId: open.request!.runId,
      planHash: open.planHash!,
      decision: 'approve' as const,
      reason: 'leak confirmed',
    };
    const at = (ms: number) => new Date(Date.now() + ms).toISOString();
    const stale = await handle.executeUpdate(decideUpdate, {
      args: [sign(alice, { ...claims, time: at(-3600_000) })],
    });
    expect(stale).toMatchObject({
      accepted: false,
      refusal: expect.stringMatching(
        /^signed at \S+, 36\d\ds before the workflow's time \S+ \(the policy allows 600s: decisions\.maxSkew\)$/,
      ),
    });
    const future = await handle.executeUpdate(decideUpdate, {
      args: [sign(alice, { ...claims, time: at(3600_000) })],
    });
    expect(future.refusal).toMatch(/^signed at \S+, 3\d{3}s after the workflow's time/);
    expect((await handle.query(remediationQuery)).status).toBe('awaiting-approval');
    expect(await keyStatus(`${prefix}-skew`, key.name!)).toBe('Active');

    // Fresh: counted, and the key is deactivated.
    expect(await decideRemediation(handle, alice, 'approve', 'leak confirmed')).toMatchObject({
      accepted: true,
    });
    await waitFor('the key to be deactivated', async () =>
      (await keyStatus(`${prefix}-skew`, key.name!)) === 'Inactive' ? true : undefined,
    );
    const state = await handle.query(remediationQuery);
    expect(state.approvals.map((a) => a.by)).toEqual([alice.id]);
    expect(state.refusedMessages?.map((r) => [r.message, r.claimedBy])).toEqual([
      ['decide', alice.id],
      ['decide', alice.id],
    ]);

    // The evidence names both refusals: who, what, why.
    const exported = await exportEvidence(w.client, {
      outDir: join(dir, 'evidence-skew'),
      signer: testSigner(),
      workflowIds: [id],
    });
    expect(exported.summaries[0]!.refused?.filter((r) => r.where === 'remediation')).toEqual([
      expect.objectContaining({ message: 'decide', claimedBy: alice.id, reason: stale.refusal }),
      expect.objectContaining({ message: 'decide', claimedBy: alice.id, reason: future.refusal }),
    ]);
  }, 120_000);
});

describe('exception requests', () => {
  it('a signed request replayed, and replayed onto another identity, is refused and recorded; no exception opens', async () => {
    for (const u of [users.a, users.b])
      await deliver(w.client, w.taskQueue, u, [finding(u, 'activity', { severity: 10 })]);
    const a = w.client.workflow.getHandle(identityWorkflowId(users.a.key));
    const b = w.client.workflow.getHandle(identityWorkflowId(users.b.key));
    await waitFor('both identity workflows', async () =>
      (await a.query(identityQuery).catch(() => undefined)) &&
      (await b.query(identityQuery).catch(() => undefined))
        ? true
        : undefined,
    );
    const request = exceptionRequest(
      { person: bob.id, secretKey: bob.secretKey },
      { identityKey: users.a.key, action: 'scope-down', for: '1d', ticket: 'CHG-7' },
      'migration window',
    );
    expect(await a.executeUpdate(requestExceptionUpdate, { args: [request] })).toMatchObject({
      accepted: true,
      status: 'open',
    });
    // The very same signed request again, then onto another identity (its terms re-aimed, or as they were).
    expect(await a.executeUpdate(requestExceptionUpdate, { args: [request] })).toMatchObject({
      accepted: false,
      refusal: 'replayed: this signed decision was already counted once',
    });
    const elsewhere = await b.executeUpdate(requestExceptionUpdate, {
      args: [{ ...request, terms: { ...request.terms, identityKey: users.b.key } }],
    });
    expect(elsewhere).toMatchObject({
      accepted: false,
      refusal: `signed for another request (${identityWorkflowId(users.a.key)} new)`,
    });
    expect((await b.executeUpdate(requestExceptionUpdate, { args: [request] })).accepted).toBe(false);

    const ra = await a.query(identityQuery);
    const rb = await b.query(identityQuery);
    expect(ra.exceptionRequests).toHaveLength(1);
    expect(rb.exceptionRequests).toEqual([]);
    expect(ra.refusedMessages?.map((r) => [r.message, r.claimedBy, r.reason])).toEqual([
      ['requestException', bob.id, 'replayed: this signed decision was already counted once'],
    ]);
    expect(rb.refusedMessages?.map((r) => [r.message, r.claimedBy])).toEqual([
      ['requestException', bob.id],
      ['requestException', bob.id],
    ]);
    // A reviewer sees them in nhi identity.
    const shown = await nhi('identity', users.b.key);
    expect(shown.code).toBe(0);
    expect(shown.out).toContainEqual(
      expect.stringMatching(
        /^ {4}\S+ requestException claimed by bob@example\.com: signed for another request \(identity\//,
      ),
    );
    const shownA = await nhi('identity', users.a.key);
    expect(shownA.out).toContainEqual(
      expect.stringMatching(/requestException claimed by bob@example\.com: replayed: this signed decision/),
    );
    // The evidence: the one request opened, and each replay a case refused at once, with its reason.
    const exported = await exportEvidence(w.client, {
      outDir: join(dir, 'evidence-exceptions'),
      signer: testSigner(),
      workflowIds: [users.a.key, users.b.key].map(identityWorkflowId),
    });
    const cases = exported.cases.filter((c) => c.kind === 'exception') as unknown as Array<{
      workflowId: string;
      status: string;
      requestedBy: string;
      refusal?: string;
    }>;
    expect(cases.map((c) => [c.workflowId, c.status, c.requestedBy, c.refusal])).toEqual([
      [identityWorkflowId(users.a.key), 'open', bob.id, undefined],
      [
        identityWorkflowId(users.a.key),
        'refused',
        bob.id,
        'replayed: this signed decision was already counted once',
      ],
      [identityWorkflowId(users.b.key), 'refused', bob.id, elsewhere.refusal],
      [identityWorkflowId(users.b.key), 'refused', bob.id, expect.stringMatching(/^signed for another/)],
    ]);
  }, 120_000);
});

describe('remediation retries', () => {
  it('a forged retry (bare client, unsigned, another key, signed for another identity) is refused and recorded; nothing is proposed', async () => {
    const user = await createUser('retry');
    await deliver(w.client, w.taskQueue, user, [finding(user, 'activity', { severity: 10 })]);
    const workflowId = identityWorkflowId(user.key);
    const handle = w.client.workflow.getHandle(workflowId);
    await waitFor(
      'the identity workflow',
      async () => (await handle.query(identityQuery).catch(() => undefined))?.assessment,
    );
    const id = remediationWorkflowId(user.key, 'deactivate-key', 0);
    const genuine = remediationRetry(
      { person: alice.id, secretKey: alice.secretKey },
      user.key,
      id,
      1,
      'again',
    );
    // No payload key: plaintext, undecodable to the workflow; its answer comes back encrypted.
    await bare.workflow
      .getHandle(workflowId)
      .executeUpdate(retryRemediationUpdate, { args: [genuine] })
      .catch(() => undefined);
    const retry = (signed: unknown) =>
      handle.executeUpdate(retryRemediationUpdate, { args: [signed as never] });
    expect(await retry({ runId: id, decision: 'retry', reason: 'again' })).toMatchObject({
      accepted: false,
      refusal: 'the request must be signed by a person (--as WHO)',
    });
    const otherKey = remediationRetry(
      { person: mallory.id, secretKey: mallory.secretKey },
      user.key,
      id,
      1,
      'again',
    );
    expect((await retry({ ...otherKey, person: alice.id })).refusal).toMatch(
      /^bad signature: no key of alice@example\.com/,
    );
    const elsewhere = remediationRetry(
      { person: alice.id, secretKey: alice.secretKey },
      users.a.key,
      id,
      1,
      'again',
    );
    expect((await retry(elsewhere)).refusal).toBe(
      `signed for another request (${identityWorkflowId(users.a.key)} ${id})`,
    );

    const record = await handle.query(identityQuery);
    expect(record.refusedMessages?.map((r) => [r.message, r.claimedBy])).toEqual([
      ['retryRemediation', '?'],
      ['retryRemediation', '?'],
      ['retryRemediation', alice.id],
      ['retryRemediation', alice.id],
    ]);
    expect(record.remediations).toEqual([]);
  }, 120_000);
});

describe('access requests and grants', () => {
  it('nhi request --as the identity itself is refused when the catalogue does not say so: no grant, recorded', async () => {
    const asItself = await nhi(
      'request',
      'list-users',
      '--for',
      users.low.key,
      '--duration',
      '15m',
      '--as',
      users.low.key,
      '--reason',
      'I am who I say',
      '--task-queue',
      w.taskQueue,
    );
    expect(asItself.code).toBe(1);
    expect(asItself.err.at(-1)).toBe(
      `nhi request: refused: ${users.low.key} may not request list-users (requesters: group deployers)`,
    );
    // Listed as a requester of its own grant, but no person approves: still refused.
    const listed = await nhi(
      'request',
      'self-list',
      '--for',
      users.self.key,
      '--duration',
      '15m',
      '--as',
      users.self.key,
      '--reason',
      'mine',
      '--task-queue',
      w.taskQueue,
    );
    expect(listed.code).toBe(1);
    expect(listed.err.at(-1)).toBe(
      `nhi request: refused: ${users.self.key} may request self-list for itself only with a person's signed approval, and its catalogue entry names no approval`,
    );
    const grantIds = [asItself, listed].map((r) => r.err[0]!.match(/^requested (jit-[0-9a-f]+) /)![1]!);
    for (const [i, grantId] of grantIds.entries()) {
      const state = await w.client.workflow.getHandle(accessWorkflowId(grantId)).query(accessQuery);
      expect(state.status).toBe('refused');
      expect(state.grant).toBeUndefined();
      expect(sent.some((s) => s.RoleSessionName === `nhi-${grantId}`)).toBe(false);
      expect(state.refusedMessages).toEqual([
        expect.objectContaining({
          message: 'request',
          claimedBy: [users.low.key, users.self.key][i],
          reason: state.refusal,
        }),
      ]);
    }
    // The evidence: each request's case, refused at the request with its reason.
    const exported = await exportEvidence(w.client, {
      outDir: join(dir, 'evidence-access'),
      signer: testSigner(),
      workflowIds: grantIds.map(accessWorkflowId),
    });
    const access = exported.cases.filter((c) => c.kind === 'access') as unknown as Array<{
      policyDecision: { refused?: string };
      outcome: string;
    }>;
    expect(access.map((c) => c.policyDecision.refused)).toEqual([
      `${users.low.key} may not request list-users (requesters: group deployers)`,
      expect.stringMatching(/names no approval$/),
    ]);
  }, 120_000);

  it('forged riskRevocation and accessUsed signals are refused and recorded; the grant stays as it was', async () => {
    const { grantId, recipient } = await requestAccess(w.client, {
      terms: {
        action: 'list-users',
        identityKey: users.low.key,
        duration: '15m',
        requester: rita.id,
        reason: 'release 42',
      },
      taskQueue: w.taskQueue,
      signer: { person: rita.id, secretKey: rita.secretKey },
    });
    const granted = await awaitGrant(w.client, grantId, { deadline: Date.now() + 90_000 });
    expect(granted.status).toBe('active');
    const workflowId = accessWorkflowId(grantId);
    const handle = w.client.workflow.getHandle(workflowId);
    const revocation = { reason: 'critical finding (forged)', findingId: 'f_forged' };
    const use = { findingId: 'f_forged-use', at: new Date().toISOString(), api: 'iam:DeleteUser' };
    const attackerSeal = (message: string, body: unknown) =>
      signSeal(
        { workflowId, message, body, service: 'worker', nonce: randomUUID(), at: new Date().toISOString() },
        newKeyPair().secretKey,
      );
    // No payload key; then the payload key and no service key; then sealed with a key nobody configured.
    await bare.workflow.getHandle(workflowId).signal(riskRevocationSignal, revocation);
    await bare.workflow.getHandle(workflowId).signal(accessUsedSignal, use);
    await handle.signal(riskRevocationSignal, revocation);
    await handle.signal(accessUsedSignal, use);
    await handle.signal(riskRevocationSignal, {
      ...revocation,
      seal: attackerSeal('riskRevocation', revocation),
    });
    await handle.signal(accessUsedSignal, { ...use, seal: attackerSeal('accessUsed', use) });

    const after = await waitFor('six refusals', async () => {
      const s = await handle.query(accessQuery);
      return (s.refusedMessages?.length ?? 0) >= 6 ? s : undefined;
    });
    expect(after.refusedMessages!.map((r) => `${r.message}: ${r.reason}`)).toEqual([
      expect.stringMatching(/^riskRevocation: undecodable: a plaintext payload/),
      expect.stringMatching(/^accessUsed: undecodable: a plaintext payload/),
      'riskRevocation: not sealed by a service identity',
      'accessUsed: not sealed by a service identity',
      expect.stringMatching(/^riskRevocation: the worker service's signature does not verify/),
      expect.stringMatching(/^accessUsed: the worker service's signature does not verify/),
    ]);
    expect(after.status).toBe('active');
    expect(after.revocation).toBeUndefined();
    expect(after.uses).toEqual([]);
    expect(after.grant).toEqual(granted.grant);
    // The credentials still work: nothing was revoked.
    const creds = await collectCredentials(awsClients().secretsManager, after, recipient.privateKey);
    const session = awsClientsFor({
      accessKeyId: creds.accessKeyId,
      secretAccessKey: creds.secretAccessKey,
      sessionToken: creds.sessionToken,
    });
    expect((await session.iam.send(new ListUsersCommand({}))).Users).toBeDefined();
    // The evidence: the grant's case names each refused message, and says it was not revoked.
    const exported = await exportEvidence(w.client, {
      outDir: join(dir, 'evidence-grant'),
      signer: testSigner(),
      workflowIds: [workflowId],
    });
    const [summary] = exported.cases.filter((c) => c.kind === 'access') as AccessSummary[];
    expect(summary!.outcome).not.toBe('revoked');
    expect(summary!.revocation).toBeUndefined();
    expect(summary!.uses).toEqual([]);
    expect(summary!.refusedMessages).toEqual(after.refusedMessages);
    expect(summary!.lines).toContainEqual(
      expect.stringMatching(
        /^Refused message: riskRevocation at \S+, claimed by .+: not sealed by a service identity\.$/,
      ),
    );
  }, 120_000);
});

/** The forged registry messages the registry test sends, in order: (message, who it claimed to be). */
const forgedRegistryAttempts = () => [
  ['registerAction', '?'],
  ['registerAction', dbteam.id],
  ['registerAction', mallory.id],
  ['registerAction', dbteam.id],
  ['registerAction', dbteam.id],
  ['removeAction', dbteam.id],
  ['removeAction', mallory.id],
  ['registerAction', alice.id],
];

describe('the team-action registry', () => {
  const name = 'dbteam/rotate-postgres-password';
  const queue = `dbteam-${randomUUID().slice(0, 8)}`;
  const registration: RegisteredActionInput = {
    name,
    description: 'rotates a PostgreSQL role password kept in Secrets Manager',
    identityTypes: ['secret'],
    parameters: {
      type: 'object',
      properties: { secretId: { type: 'string' } },
      required: ['secretId'],
    },
    reversible: true,
    risk: 'high',
    team: 'dbteam',
    taskQueue: queue,
  };

  it('a forged re-registration or removal is refused and recorded; the entry and its queue stay; a built-in name is never taken', async () => {
    // The legitimate path: the team's key signs the registration through the CLI.
    const file = join(dir, 'registration.json');
    writeFileSync(file, JSON.stringify(registration));
    const registered = await nhi('actions', 'register', file, '--as', dbteam.id, '--task-queue', w.taskQueue);
    expect(registered).toMatchObject({
      code: 0,
      out: [`registered ${name} (team dbteam, task queue ${queue})`],
    });
    const registryId = registryWorkflowId(w.taskQueue);
    const registry = w.client.workflow.getHandle(registryId);
    const [before] = await registry.query(registeredActionsQuery);
    expect(before).toMatchObject({ name, taskQueue: queue, risk: 'high', registeredBy: dbteam.id });

    // The attack: onto the attacker's queue, risk lowered, parameter schema emptied, registeredBy spoofed.
    const hijack: RegisteredActionInput = {
      ...registration,
      taskQueue: 'attacker-queue',
      risk: 'low',
      parameters: {},
      registeredBy: dbteam.id,
    };
    const signedAs = (who: typeof alice, planHash: string, decision: 'register' | 'remove') =>
      sign(who, { workflowId: registryId, runId: REGISTRY_RUN, planHash, decision, reason: 'routine' });
    const register = (request: unknown) =>
      refusalOf(registry.executeUpdate(registerActionUpdate, { args: [request as never] }));
    const remove = (request: unknown) =>
      refusalOf(registry.executeUpdate(removeActionUpdate, { args: [request as never] }));
    // No payload key: the answer comes back encrypted, unreadable to the bare client; the registry refuses it.
    await bare.workflow
      .getHandle(registryId)
      .executeUpdate(registerActionUpdate, { args: [{ action: hijack, by: dbteam.id } as never] })
      .catch(() => undefined);
    expect(await register({ action: hijack, by: dbteam.id })).toBe(
      'registerAction refused: the request must be signed by a person (--as WHO)',
    );
    expect(
      await register({ action: hijack, signed: signedAs(mallory, registrationTerms(hijack), 'register') }),
    ).toBe(
      `registerAction refused: ${mallory.id} may not register ${name}: only team dbteam's group or security (policy decisions.registrants)`,
    );
    // The team's genuine signature over the genuine registration, carrying the hijacked content.
    expect(
      await register({
        action: hijack,
        signed: signedAs(dbteam, registrationTerms(registration), 'register'),
      }),
    ).toBe('registerAction refused: signed over another registration (queue, risk, schema)');
    // The team's name on a decision signed with another key.
    expect(
      await register({
        action: hijack,
        signed: { ...signedAs(mallory, registrationTerms(hijack), 'register'), person: dbteam.id },
      }),
    ).toMatch(/^registerAction refused: bad signature: no key of svc-dbteam@example\.com/);
    expect(await remove({ name, by: dbteam.id })).toBe(
      'removeAction refused: the request must be signed by a person (--as WHO)',
    );
    expect(await remove({ name, signed: signedAs(mallory, removalTerms(name), 'remove') })).toMatch(
      /^removeAction refused: mallory@example\.com may not remove dbteam\/rotate-postgres-password/,
    );
    // A built-in action's name is never taken, even by a registrant (security).
    expect(
      await register({
        action: { ...registration, name: 'deactivate-key', team: 'deactivate-key' },
        signed: signedAs(
          alice,
          registrationTerms({ ...registration, name: 'deactivate-key', team: 'deactivate-key' }),
          'register',
        ),
      }),
    ).toMatch(/^registerAction refused: deactivate-key: name: must be "team\/verb"/);

    expect(await registry.query(registeredActionsQuery)).toEqual([before]);
    const refused = await registry.query(refusedRegistrationsQuery);
    expect(refused.map((r) => [r.message, r.claimedBy])).toEqual(forgedRegistryAttempts());
    // A reviewer sees the newest refusals in nhi actions.
    const listed = await nhi('actions', '--task-queue', w.taskQueue);
    expect(listed.out).toContainEqual(`${name}  [team, team dbteam]  queue ${queue} (NO live worker)`);
    expect(listed.out.filter((l) => l.startsWith('refused '))).toHaveLength(5);

    // A cancel from a bare client is refused and recorded too; the registry goes on (the signed removal below).
    await bare.workflow.getHandle(registryId).cancel();
    const cancelled = await waitFor('the cancel to be recorded', async () =>
      (await registry.query(refusedRegistrationsQuery)).find((r) => r.message === 'cancel'),
    );
    expect(cancelled.reason).toMatch(/^a cancel request carries no signature; .*nhi actions remove/);

    // The legitimate removal, signed with the team's key through the CLI.
    const removed = await nhi('actions', 'remove', name, '--as', dbteam.id, '--task-queue', w.taskQueue);
    expect(removed).toMatchObject({ code: 0, out: [`removed ${name}`] });
    expect(await registry.query(registeredActionsQuery)).toEqual([]);
  }, 120_000);
});

describe('the enforcement control', () => {
  it('a forged resume is refused and recorded; the pause and the breaker stay; a signed resume lifts both', async () => {
    await brakeAs(w.client, w.taskQueue, alice, 'pause', 'incident 9');
    const controlId = controlWorkflowId(w.taskQueue);
    const control = w.client.workflow.getHandle(controlId);
    // The breaker opens on one failure the worker reports (sealed, as the worker seals it).
    const failure = {
      workflowId: `remediation/${prefix}/failed`,
      ok: false,
      detail: 'a failed act',
      breaker: { failures: 1, windowMinutes: 60, quietMinutes: 600 },
    };
    await control.signal(actDoneSignal, sealed(controlId, actDoneSignal, failure));
    const held = await waitFor('the breaker to open', async () => {
      const s = await control.query(controlStatusQuery);
      return s.breaker ? s : undefined;
    });
    expect(held.paused).toMatchObject({ by: alice.id, reason: 'incident 9' });

    const terms = brakeTerms('resume', held);
    const signedAs = (who: typeof alice, extra: { planHash?: string; time?: string } = {}) =>
      sign(who, {
        workflowId: controlId,
        runId: CONTROL_RUN,
        planHash: extra.planHash ?? terms,
        decision: 'resume',
        reason: 'all clear',
        ...(extra.time ? { time: extra.time } : {}),
      });
    const resume = (request: unknown) =>
      refusalOf(control.executeUpdate(resumeUpdate, { args: [request as never] }));
    // No payload key: a plaintext resume by its typed name.
    await bare.workflow
      .getHandle(controlId)
      .executeUpdate('resume', { args: [{ by: 'totally-not-a-person', reason: 'x' }] })
      .catch(() => undefined);
    const refusals = [
      await resume({ by: 'totally-not-a-person', reason: 'trust me' }),
      await resume(signedAs(mallory)),
      await resume({ ...signedAs(mallory), person: alice.id }),
      await resume(signedAs(alice, { planHash: brakeTerms('resume') })),
      await resume(signedAs(alice, { time: new Date(Date.now() - 3600_000).toISOString() })),
    ];
    expect(refusals).toEqual([
      'resume refused: the request must be signed by a person (--as WHO)',
      `resume refused: ${mallory.id} is in none of the groups that may resume enforcement (security: policy decisions.brakes)`,
      expect.stringMatching(/^resume refused: bad signature: no key of alice@example\.com/),
      'resume refused: signed over another pause or breaker than the one in force (read nhi enforcement status, sign again)',
      expect.stringMatching(/^resume refused: signed at \S+, 36\d\ds before the workflow's time/),
    ]);

    const after = await control.query(controlStatusQuery);
    expect(after.paused).toEqual(held.paused);
    expect(after.breaker?.openedAt).toBe(held.breaker!.openedAt);
    expect(after.refusedMessages?.filter((r) => r.message === 'resume').map((r) => r.claimedBy)).toEqual([
      '?',
      'totally-not-a-person',
      mallory.id,
      alice.id,
      alice.id,
      alice.id,
    ]);
    // Each refusal is an event too (who claimed what, and why).
    const events = await collect(
      w.eventsTopic,
      (ms) =>
        ms.filter((m) => {
          const e = JSON.parse(String(m.value));
          return e.type === 'message.refused' && e.detail.message === 'resume';
        }).length >= 6,
    );
    expect(
      events
        .map((m) => JSON.parse(String(m.value)))
        .filter((e) => e.type === 'message.refused')
        .map((e) => e.detail.claimedBy),
    ).toEqual(expect.arrayContaining(['totally-not-a-person', mallory.id, alice.id]));
    const status = await nhi('enforcement', 'status', '--task-queue', w.taskQueue);
    expect(status.out[0]).toBe(`paused by ${alice.id} at ${held.paused!.at}: incident 9`);
    expect(status.out.filter((l) => l.startsWith('refused resume at '))).toHaveLength(5);
    expect(status.out).toContainEqual(
      expect.stringMatching(
        /^refused resume at \S+ \(claimed by mallory@example\.com\): mallory@example\.com is in none of the groups/,
      ),
    );

    // The legitimate path: a signed resume from the brakes' group, through the CLI, lifts the pause and the breaker.
    const resumed = await nhi(
      'enforcement',
      'resume',
      '--as',
      alice.id,
      '--reason',
      'incident over',
      '--task-queue',
      w.taskQueue,
      '--json',
    );
    expect(resumed.code).toBe(0);
    const lifted = JSON.parse(resumed.out[0]!);
    expect(lifted.paused).toBeUndefined();
    expect(lifted.breaker).toBeUndefined();
  }, 120_000);
});

describe('the evidence', () => {
  it("holds the enforcement control's and the registry's refusals above: who claimed what, why; it verifies and its report names them", async () => {
    // Reads the refusals the two tests above recorded (forged resumes; forged registrations, removals, a bare cancel).
    process.env.NHI_EVIDENCE_CHAIN_FILE = join(dir, 'chain-head.json');
    const signer = testSigner();
    const out = join(dir, 'evidence-refusals');
    const exported = await nhi(
      'evidence',
      'export',
      '--since',
      testStart,
      '--out',
      out,
      '--key',
      signer.keyFile,
    );
    expect(exported.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest;
    const casesOf = (kind: string, workflowId: string) =>
      manifest.cases
        .filter((c) => c.kind === kind && c.workflowId === workflowId)
        .map((c) => JSON.parse(readFileSync(join(out, (c as { summary: string }).summary), 'utf8')))
        .sort((a: RefusedMessageSummary, b: RefusedMessageSummary) =>
          a.openedAt < b.openedAt ? -1 : a.openedAt > b.openedAt ? 1 : 0,
        ) as RefusedMessageSummary[];
    const controlId = controlWorkflowId(w.taskQueue);
    const registryId = registryWorkflowId(w.taskQueue);
    const control = casesOf('control-refusal', controlId);
    const registry = casesOf('registry-refusal', registryId);
    // Every refusal the workflows keep, each its own case (the registry also keeps the bare cancel).
    const kept =
      (await w.client.workflow.getHandle(controlId).query(controlStatusQuery)).refusedMessages ?? [];
    expect(control.map((c) => c.refusal)).toEqual(kept);
    expect(registry.map((c) => c.refusal)).toEqual(
      await w.client.workflow.getHandle(registryId).query(refusedRegistrationsQuery),
    );
    expect(control.filter((c) => c.refusal.message === 'resume').map((c) => c.refusal.claimedBy)).toEqual([
      '?',
      'totally-not-a-person',
      mallory.id,
      alice.id,
      alice.id,
      alice.id,
    ]);
    expect(registry.map((c) => [c.refusal.message, c.refusal.claimedBy])).toEqual([
      ...forgedRegistryAttempts(),
      ['cancel', expect.any(String)],
    ]);
    expect(control).toContainEqual(
      expect.objectContaining({
        lines: [
          expect.stringMatching(
            /^Refused by the enforcement control \(enforcement-control\/\S+\) at \S+: resume, claimed by mallory@example\.com\.$/,
          ),
          `Why refused: ${mallory.id} is in none of the groups that may resume enforcement (security: policy decisions.brakes).`,
        ],
      }),
    );
    expect(registry.at(-1)!.refusal.reason).toMatch(/^a cancel request carries no signature/);

    const verified = await nhi('evidence', 'verify', out, '--key', signer.publicKey);
    expect(verified.code).toBe(0);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    for (const c of [...control, ...registry]) expect(html).toContain(`${c.kind} ${c.id}`);
    expect(html).toContain('resume, claimed by mallory@example.com.');
    expect(html).toContain('removeAction, claimed by mallory@example.com.');
    expect(html).toContain(`Workflow ${registryWorkflowId(w.taskQueue)}`);
  }, 120_000);
});
