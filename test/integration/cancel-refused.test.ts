// A cancellation request from a bare Temporal client (no payload key, no signing key) against the real Temporal and
// the AWS emulator: the identity, the remediation it started and the enforcement control each refuse it, record it
// (who, what, why: `refusedMessages`, `nhi identity`, the `message.refused` event), and go on. The pause stays in
// force; a signed resume still works after it; the held remediation then acts (the leaked key is deactivated); the
// histories replay against the current code. The access request's refusal is in access-grants.test.ts.

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsClients } from '../../activities/aws/clients.ts';
import { main } from '../../cli/main.ts';
import { fetchHistory } from '../../evidence/fetch-history.ts';
import { historyJson, runFromJson } from '../../evidence/history-json.ts';
import { deriveRemediationSummary } from '../../evidence/summary.ts';
import { endpoints } from '../../infra/endpoints.ts';
import { payloadCodec } from '../../runtime/connections.ts';
import type { RefusedMessage } from '../../schemas/refused-message.ts';
import { cancelRefusalReason } from '../../workflows/cancel-refusal-reason.ts';
import { controlStatusQuery, controlWorkflowId } from '../../workflows/control/definitions.ts';
import { identityQuery, identityWorkflowId } from '../../workflows/identity/definitions.ts';
import { remediationQuery } from '../../workflows/remediation/definitions.ts';
import { collect } from '../support/kafka.ts';
import { brakeAs, directoryFile, person } from '../support/people.ts';
import {
  deliver,
  finalHistory,
  finding,
  replay,
  seedAdminUser,
  startTestWorker,
  type TestWorker,
  waitFor,
} from './identity-support.ts';

const prefix = `cxl-${randomUUID().slice(0, 8)}`;
const dir = mkdtempSync(join(tmpdir(), 'nhi-cancel-'));
const oncall = person('oncall@example.com', 'security');
let w: TestWorker;
/** No payload key, no signing key: what an attacker with a Temporal connection has. */
let bare: Client;

beforeAll(async () => {
  process.env.NHI_DIRECTORY_FILE = directoryFile([oncall], dir);
  w = await startTestWorker('cancel');
  bare = new Client({ connection: w.client.connection, namespace: endpoints().temporalNamespace });
}, 120_000);

afterAll(async () => {
  await w?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const cancelRefusal = (list: RefusedMessage[] | undefined) => list?.find((r) => r.message === 'cancel');

describe('a cancel request from a connection', () => {
  it('is refused and recorded by the identity, the remediation and the control; the pause holds, then the remediation acts', async () => {
    const seeded = await seedAdminUser(`${prefix}-leaky`);
    const identityId = identityWorkflowId(seeded.key.key);
    w.terminateAtStop.push(identityId);
    const keyStatus = async () =>
      (
        await awsClients().iam.send(new ListAccessKeysCommand({ UserName: `${prefix}-leaky` }))
      ).AccessKeyMetadata?.find((k) => k.AccessKeyId === seeded.key.name)?.Status;

    // The identity exists and is assessed; enforcement is paused by a signed decision.
    await deliver(w.client, w.taskQueue, seeded.key, [
      finding(seeded.key, 'stale-credential', { severity: 20 }),
    ]);
    const identity = w.client.workflow.getHandle(identityId);
    await waitFor(
      'the identity to be assessed',
      async () => (await identity.query(identityQuery)).assessment,
    );
    await brakeAs(w.client, w.taskQueue, oncall, 'pause', 'cancel drill');
    const controlId = controlWorkflowId(w.taskQueue);
    const control = w.client.workflow.getHandle(controlId);

    // Cancelled from a bare client: refused, recorded, and both still run (the pause stays in force).
    await bare.workflow.getHandle(identityId).cancel();
    await bare.workflow.getHandle(controlId).cancel();
    const identityRefusal = await waitFor('the identity to record the cancel', async () =>
      cancelRefusal((await identity.query(identityQuery)).refusedMessages),
    );
    expect(identityRefusal).toMatchObject({
      message: 'cancel',
      claimedBy: 'a Temporal client (unsigned)',
      reason: cancelRefusalReason('identity'),
    });
    const controlRefusal = await waitFor('the control to record the cancel', async () =>
      cancelRefusal((await control.query(controlStatusQuery)).refusedMessages),
    );
    expect(controlRefusal.reason).toBe(
      'a cancel request carries no signature; stop enforcement with a signed decision (nhi enforcement pause)',
    );
    expect((await control.query(controlStatusQuery)).paused).toMatchObject({ by: oncall.id });
    expect((await control.describe()).status.name).toBe('RUNNING');

    // The identity still takes findings: the leaked key's remediation starts, and the pause holds it.
    await deliver(w.client, w.taskQueue, seeded.key, [
      {
        ...finding(seeded.key, 'exposed-secret', { severity: 90, title: 'AWS key in .env' }),
        evidence: { public: true },
      },
    ]);
    const remediationId = await waitFor(
      'a remediation to start',
      async () =>
        (await identity.query(identityQuery)).remediations.find((r) => r.action === 'deactivate-key')
          ?.workflowId,
    );
    const remediation = w.client.workflow.getHandle(remediationId);
    await waitFor('the remediation to be held by the pause', async () =>
      (await remediation.query(remediationQuery)).status === 'held' ? true : undefined,
    );
    await bare.workflow.getHandle(remediationId).cancel();
    const remediationRefusal = await waitFor('the remediation to record the cancel', async () =>
      cancelRefusal((await remediation.query(remediationQuery)).refusedMessages),
    );
    expect(remediationRefusal.reason).toBe(cancelRefusalReason('remediation'));
    expect((await remediation.query(remediationQuery)).status).toBe('held');
    expect(await keyStatus()).toBe('Active');

    // `nhi identity` shows both refusals: the identity's own and its remediation's.
    const out: string[] = [];
    const code = await main(['identity', seeded.key.key], {
      out: (l) => out.push(l),
      err: (l) => out.push(l),
    });
    expect(code).toBe(0);
    const text = out.join('\n');
    expect(text).toContain(
      `cancel claimed by a Temporal client (unsigned): ${cancelRefusalReason('identity')}`,
    );
    expect(text).toContain(
      `cancel claimed by a Temporal client (unsigned): ${cancelRefusalReason('remediation')}`,
    );

    // A signed resume still works after the refused cancel; the held remediation then acts.
    await brakeAs(w.client, w.taskQueue, oncall, 'resume', 'drill over');
    await waitFor('the leaked key to be deactivated', async () =>
      (await keyStatus()) === 'Inactive' ? true : undefined,
    );
    await waitFor('the remediation to be executed', async () =>
      (await remediation.query(remediationQuery)).status === 'executed' ? true : undefined,
    );
    expect((await remediation.describe()).status.name).not.toBe('CANCELLED');
    expect((await identity.describe()).status.name).toBe('RUNNING');

    // Each refusal is an event too.
    const events = await collect(
      w.eventsTopic,
      (ms) =>
        ms.filter((m) => {
          const e = JSON.parse(String(m.value));
          return e.type === 'message.refused' && e.detail?.message === 'cancel';
        }).length >= 3,
    );
    const refusedEvents = events
      .map((m) => JSON.parse(String(m.value)))
      .filter((e) => e.type === 'message.refused' && e.detail?.message === 'cancel');
    expect(refusedEvents.map((e) => e.identityKey).sort()).toEqual(
      [seeded.key.key, seeded.key.key, 'enforcement'].sort(),
    );

    // The evidence reads both refusals from the histories (the memo the workflows upsert).
    const runOf = async (id: string) =>
      runFromJson(await historyJson(await fetchHistory(w.client, id), [await payloadCodec()]));
    const summary = deriveRemediationSummary([await runOf(remediationId)], [await runOf(identityId)]);
    expect(
      (summary.refused ?? []).filter((r) => r.message === 'cancel').map((r) => [r.where, r.reason]),
    ).toEqual(
      expect.arrayContaining([
        ['remediation', cancelRefusalReason('remediation')],
        ['identity', cancelRefusalReason('identity')],
      ]),
    );

    // The histories (with the cancel requests in them) replay against the current code.
    const histories = [];
    for (const id of [identityId, remediationId, controlId])
      histories.push({ workflowId: id, history: await finalHistory(w.client, id) });
    expect(await replay(histories)).toEqual([]);
  });
});
