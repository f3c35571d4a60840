// Service messages forged from a bare Temporal client, against the real Temporal and the AWS emulator: (a) with no
// payload key (plaintext payloads, or a key id the worker does not hold) and (b) with the payload key but no service
// key (unsealed, or sealed with a key nobody configured). Each is refused and recorded in the receiving workflow's
// `refusedMessages`; the enforcement it tried to undo stays (breaker closed, rate limits untouched, the forged
// finding not taken), and the workflow acts on the next real finding: the leaked key is deactivated.
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints } from '../../infra/endpoints.ts';
import { AesGcmPayloadCodec } from '../../runtime/payload-codec.ts';
import { parseKeyRing } from '../../runtime/payload-keys.ts';
import type { Finding } from '../../schemas/finding.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import { signSeal } from '../../schemas/service-seal.ts';
import { newKeyPair } from '../../schemas/signed-decision.ts';
import {
  actDoneSignal,
  controlStatusQuery,
  controlWorkflowId,
  reserveActUpdate,
} from '../../workflows/control/definitions.ts';
import {
  accessGrantSignal,
  findingsSignal,
  identityQuery,
  identityWorkflowId,
  reassessSignal,
  remediationEndedSignal,
} from '../../workflows/identity/definitions.ts';
import { accessKeyStatus } from '../support/iam-principals.ts';
import {
  deliver,
  leakedKey,
  seedAdminUser,
  startTestWorker,
  type TestWorker,
  waitFor,
} from './identity-support.ts';

const prefix = `forged-${randomUUID().slice(0, 8)}`;
let w: TestWorker;
/** (a) no payload key: plaintext payloads. */
let bare: Client;
/** (a) no payload key: encrypted with a key id the worker does not hold. */
let rogue: Client;

beforeAll(async () => {
  w = await startTestWorker('forged');
  const { connection } = w.client;
  const namespace = endpoints().temporalNamespace;
  bare = new Client({ connection, namespace });
  const rogueCodec = new AesGcmPayloadCodec(
    parseKeyRing(`rogue:${randomBytes(32).toString('base64')}`, undefined, 'the attacker'),
  );
  rogue = new Client({ connection, namespace, dataConverter: { payloadCodecs: [rogueCodec] } });
}, 120_000);

afterAll(async () => {
  await w?.stop();
});

const leaked = (identity: IdentityRef, seed: string): Finding => leakedKey(identity, { seed });

const keyStatus = accessKeyStatus;

/** A leaked key delivered as the consumer delivers it (sealed): deactivated within the usual seconds. */
async function leakAndWaitInactive(name: string): Promise<IdentityRef> {
  const seeded = await seedAdminUser(`${prefix}-${name}`);
  w.terminateAtStop.push(identityWorkflowId(seeded.key.key));
  await deliver(w.client, w.taskQueue, seeded.key, [leaked(seeded.key, `${prefix}/${name}`)]);
  await waitFor(`${name}'s key to be deactivated`, async () =>
    (await keyStatus(`${prefix}-${name}`, seeded.key.name!)) === 'Inactive' ? true : undefined,
  );
  return seeded.key;
}

/** Sealed, but with a key no worker is configured with (an attacker's own). */
const attackerSeal = (workflowId: string, message: string, body: unknown) =>
  signSeal(
    { workflowId, message, body, service: 'worker', nonce: randomUUID(), at: new Date().toISOString() },
    newKeyPair().secretKey,
  );

describe('forged service messages to the enforcement control', () => {
  it('are refused and recorded; the breaker stays closed, no rate limit is used, and the next leaked key is deactivated', async () => {
    await leakAndWaitInactive('first');
    const controlId = controlWorkflowId(w.taskQueue);
    const control = w.client.workflow.getHandle(controlId);
    const before = await control.query(controlStatusQuery);
    expect(before.breaker).toBeUndefined();

    // One accepted failure would open this breaker.
    const failure = {
      workflowId: `remediation/${prefix}/forged`,
      ok: false,
      detail: 'forged failure',
      breaker: { failures: 1, windowMinutes: 60, quietMinutes: 600 },
    };
    const reservation = {
      workflowId: `remediation/${prefix}/forged-act`,
      identityKey: 'arn:aws:iam::123456789012:user/forged',
      account: '123456789012',
      automatic: true,
      settings: {
        rateLimits: { perAccountPerHour: 1, globalPerHour: 1, overLimit: 'wait' as const },
        circuitBreaker: failure.breaker,
      },
    };
    await bare.workflow.getHandle(controlId).signal(actDoneSignal, failure);
    await rogue.workflow.getHandle(controlId).signal(actDoneSignal, failure);
    await control.signal(actDoneSignal, failure);
    await control.signal(actDoneSignal, { ...failure, seal: attackerSeal(controlId, 'actDone', failure) });
    // The answer to a plaintext update comes back encrypted: the bare client cannot even read it.
    await bare.workflow
      .getHandle(controlId)
      .executeUpdate(reserveActUpdate, { args: [reservation] })
      .catch(() => undefined);
    const unsealed = await control.executeUpdate(reserveActUpdate, { args: [reservation] });
    expect(unsealed).toMatchObject({
      verdict: 'hold',
      reason: 'reservation refused: not sealed by a service identity',
    });
    const forgedSeal = await control.executeUpdate(reserveActUpdate, {
      args: [{ ...reservation, seal: attackerSeal(controlId, 'reserveAct', reservation) }],
    });
    expect(forgedSeal).toMatchObject({
      verdict: 'hold',
      reason: expect.stringMatching(/signature does not verify/),
    });

    const after = await waitFor('seven refusals', async () => {
      const s = await control.query(controlStatusQuery);
      return (s.refusedMessages?.length ?? 0) >= 7 ? s : undefined;
    });
    expect(after.breaker).toBeUndefined();
    expect(after.recentFailures).toBe(before.recentFailures);
    expect(after.actsLastHour).toEqual(before.actsLastHour);
    expect(after.inflight).not.toContain(reservation.workflowId);
    const reasons = after.refusedMessages!.map((r) => `${r.message}: ${r.reason}`);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^actDone: undecodable: a plaintext payload/),
        expect.stringMatching(
          /^actDone: undecodable: a payload encrypted with key 'rogue', which is not among/,
        ),
        'actDone: not sealed by a service identity',
        expect.stringMatching(/^actDone: the worker service's signature does not verify/),
        expect.stringMatching(/^reserveAct: undecodable: a plaintext payload/),
        'reserveAct: not sealed by a service identity',
      ]),
    );

    // The control still answers the real worker at once: the next leaked key is deactivated.
    await leakAndWaitInactive('second');
    expect((await control.query(controlStatusQuery)).breaker).toBeUndefined();
  }, 180_000);
});

describe('forged service messages to an identity workflow', () => {
  it('a forged start and forged findings, grants, ends and reassessments are refused and recorded; the next real finding acts', async () => {
    const seeded = await seedAdminUser(`${prefix}-third`);
    const key = seeded.key;
    const workflowId = identityWorkflowId(key.key);
    w.terminateAtStop.push(workflowId);
    const forgedFinding = { identity: key, findings: [leaked(key, `${prefix}/forged`)] };

    // (a) A plaintext signal-with-start creates the workflow: its input and its signal are both refused.
    await bare.workflow.signalWithStart('identityWorkflow', {
      workflowId,
      taskQueue: w.taskQueue,
      args: [{ identity: key }],
      signal: findingsSignal,
      signalArgs: [forgedFinding],
    });
    const handle = w.client.workflow.getHandle(workflowId);
    await rogue.workflow.getHandle(workflowId).signal(findingsSignal, forgedFinding);
    // (b) With the payload key, no service key.
    await handle.signal(findingsSignal, forgedFinding);
    await handle.signal(findingsSignal, {
      ...forgedFinding,
      seal: attackerSeal(workflowId, 'findings', forgedFinding),
    });
    const grant = {
      grantId: 'g-forged',
      workflowId: 'access/forged',
      expiresAt: '2099-01-01T00:00:00Z',
      assumedRoleArn: 'arn:aws:sts::123456789012:assumed-role/r/s',
    };
    await handle.signal(accessGrantSignal, grant);
    await handle.signal(remediationEndedSignal, {
      workflowId: 'remediation/forged',
      action: 'deactivate-key',
      epoch: 0,
      status: 'rejected',
      at: new Date().toISOString(),
    });
    await handle.signal(reassessSignal, { remediationWorkflowId: 'remediation/forged', action: 'x' });

    const refused = await waitFor('eight refusals', async () => {
      const r = await handle.query(identityQuery);
      return (r.refusedMessages?.length ?? 0) >= 8 ? r : undefined;
    });
    expect(refused.findingIds).toEqual([]);
    expect(refused.accessGrants ?? []).toEqual([]);
    expect(refused.refusedMessages!.map((r) => `${r.message}: ${r.reason}`)).toEqual([
      expect.stringMatching(/^start: undecodable: a plaintext payload/),
      expect.stringMatching(/^findings: undecodable: a plaintext payload/),
      expect.stringMatching(/^findings: undecodable: a payload encrypted with key 'rogue'/),
      'findings: not sealed by a service identity',
      expect.stringMatching(/^findings: the worker service's signature does not verify/),
      'accessGrant: not sealed by a service identity',
      'remediationEnded: not sealed by a service identity',
      'reassess: not sealed by a service identity',
    ]);
    expect(await keyStatus(`${prefix}-third`, key.name!)).toBe('Active');

    // The real finding, sealed by the consumer: taken and acted on.
    await deliver(w.client, w.taskQueue, key, [leaked(key, `${prefix}/real`)]);
    await waitFor('the key to be deactivated', async () =>
      (await keyStatus(`${prefix}-third`, key.name!)) === 'Inactive' ? true : undefined,
    );
    const record = await handle.query(identityQuery);
    expect(record.identity.type).toBe('aws-access-key');
    expect(record.findingIds).toHaveLength(1);
  }, 180_000);
});
