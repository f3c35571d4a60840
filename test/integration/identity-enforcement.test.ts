// A policy crossing starts exactly one remediation per identity per action — with findings re-delivered (signal-
// with-start as the consumer does, and plain signals), a worker restart that replays the history, an already
// taken remediation id, and continue-as-new. The histories recorded here are the replay fixtures of
// test/unit/workflows/replay.test.ts (NHI_RECORD_HISTORIES=1 rewrites them).
import { randomUUID } from 'node:crypto';
import { ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsClients } from '../../activities/aws/clients.ts';
import { planWorkflowId, remediationWorkflowId } from '../../risk/decide.ts';
import { EnforcementEvent } from '../../schemas/enforcement-event.ts';
import type { Finding } from '../../schemas/finding.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import { controlWorkflowId } from '../../workflows/control/definitions.ts';
import { findingsSignal, identityQuery, identityWorkflowId } from '../../workflows/identity/definitions.ts';
import type { IdentityRecord } from '../../workflows/identity/state.ts';
import type { identityWorkflow } from '../../workflows/identity/workflow.ts';
import { ENFORCEMENT_PRIORITY } from '../../workflows/priority.ts';
import type { RemediationState } from '../../workflows/remediation/definitions.ts';
import type { remediationWorkflow } from '../../workflows/remediation/workflow.ts';
import { collect } from '../support/kafka.ts';
import { sealed } from '../support/service-seal.ts';
import {
  deliver,
  eventsOf,
  finalHistory,
  finding,
  type History,
  leakedKey,
  recordFixture,
  replay,
  runChain,
  seedAdminUser,
  startTestWorker,
  type TestWorker,
  waitFor,
} from './identity-support.ts';

const prefix = `enf-${randomUUID().slice(0, 8)}`;
let w: TestWorker;

beforeAll(async () => {
  w = await startTestWorker('id-enf');
});

afterAll(async () => {
  await w?.stop();
});

const leaked = (identity: IdentityRef, seed: string): Finding =>
  leakedKey(identity, { seed, fingerprint: 'a'.repeat(64) });

const query = (id: string) => w.client.workflow.getHandle(identityWorkflowId(id)).query(identityQuery);
const childStarts = (history: History) =>
  eventsOf(history)
    .map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId)
    .filter((id): id is string => !!id);

/** The run chain once it stops changing (the last assessment done). */
async function settled(workflowId: string) {
  let previous = '';
  return waitFor('the run chain to settle', async () => {
    const chain = await runChain(w.client, workflowId);
    const shape = chain.map((r) => `${r.runId}:${eventsOf(r.history).length}`).join(',');
    const same = shape === previous;
    previous = shape;
    if (!same) await new Promise((r) => setTimeout(r, 500));
    return same ? chain : undefined;
  });
}

async function remediationRuns(workflowId: string): Promise<number> {
  let n = 0;
  for await (const _ of w.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) n++;
  return n;
}

describe('exactly one remediation per identity per action', () => {
  it('holds under re-delivery, a worker restart (replay) and an already taken id', async () => {
    const a = await seedAdminUser(`${prefix}-ci`, { owner: 'team-ci' });
    const b = await seedAdminUser(`${prefix}-svc`, { owner: 'team-svc' });
    const keyA = a.key;
    const userA = a.user;
    const keyB = b.key;
    for (const i of [keyA, userA, keyB]) w.terminateAtStop.push(identityWorkflowId(i.key));

    const keyFindings = [leaked(keyA, `${prefix}/leak-1`)];
    const userFindings = [
      finding(userA, 'compromise-indicator', { seed: `${prefix}/ioc-1`, severity: 80, format: 'guardduty' }),
      finding(userA, 'excess-privilege', { seed: `${prefix}/priv-1`, severity: 60, format: 'wiz' }),
    ];

    // A dry run for keyA, under its plan/ id: it must not keep the real remediation from running.
    const dryRunId = planWorkflowId(keyA.key, 'deactivate-key', 0);
    w.terminateAtStop.push(dryRunId);
    const dryRun = await w.client.workflow.start<typeof remediationWorkflow>('remediationWorkflow', {
      workflowId: dryRunId,
      taskQueue: w.taskQueue,
      args: [
        {
          identity: keyA,
          action: 'deactivate-key',
          ruleId: 'manual',
          mode: 'auto',
          reasons: ['a dry run by the test'],
          findingIds: [],
          dryRun: true,
        },
      ],
    });
    expect(((await dryRun.result()) as RemediationState).status).toBe('dry-run');

    // Someone already ran the real remediation id for keyB (by hand, another path): the identity workflow must
    // take it as the one and not fail, start a second or announce one.
    const takenId = remediationWorkflowId(keyB.key, 'deactivate-key', 0);
    w.terminateAtStop.push(takenId);
    const taken = await w.client.workflow.start<typeof remediationWorkflow>('remediationWorkflow', {
      workflowId: takenId,
      taskQueue: w.taskQueue,
      args: [
        {
          identity: keyB,
          action: 'deactivate-key',
          ruleId: 'manual',
          mode: 'auto',
          reasons: ['taken by the test'],
          findingIds: [],
        },
      ],
    });
    expect(((await taken.result()) as RemediationState).status).toBe('executed');

    // Round 1: every delivery three times over signal-with-start, twice more as plain signals.
    await Promise.all([
      ...[1, 2, 3].flatMap(() => [
        deliver(w.client, w.taskQueue, keyA, keyFindings),
        deliver(w.client, w.taskQueue, userA, userFindings),
        deliver(w.client, w.taskQueue, keyB, [leaked(keyB, `${prefix}/leak-b`)]),
      ]),
    ]);
    for (const [identity, findings] of [
      [keyA, keyFindings],
      [userA, userFindings],
    ] as const) {
      const handle = w.client.workflow.getHandle(identityWorkflowId(identity.key));
      const delivery = { identity, findings: [...findings] };
      await handle.signal(findingsSignal, sealed(handle.workflowId, findingsSignal, delivery));
      await handle.signal(findingsSignal, sealed(handle.workflowId, findingsSignal, delivery));
    }
    await waitFor('keyA remediation', async () =>
      (await query(keyA.key)).remediations.length ? 1 : undefined,
    );
    await waitFor('userA remediations', async () =>
      (await query(userA.key)).remediations.length === 3 ? 1 : undefined,
    );
    await waitFor('keyB decision', async () => ((await query(keyB.key)).remediations.length ? 1 : undefined));

    // A new worker has no cached state: it rebuilds each workflow from its history before the next signals.
    // A restart can also strand a task: the server may hand one to a poll of the stopped worker, and it comes
    // back only when its timeout runs out (10 s for a workflow task, 30 s for publishEnforcementEvent). The
    // outcome must not change, only the time it takes: hence this test's 180 s budget.
    await w.restart();

    // Round 2: the same findings again, and one new finding each, which makes both assess again.
    const newKeyFinding = leaked(keyA, `${prefix}/leak-2`);
    const newUserFinding = finding(userA, 'anomalous-use', { seed: `${prefix}/asn-1`, severity: 50 });
    await Promise.all([
      deliver(w.client, w.taskQueue, keyA, [...keyFindings, newKeyFinding]),
      deliver(w.client, w.taskQueue, userA, [...userFindings, newUserFinding]),
      deliver(w.client, w.taskQueue, userA, userFindings),
    ]);
    const messages = await collect(w.eventsTopic, (ms) => {
      const ids = ms.flatMap((m) => EnforcementEvent.parse(JSON.parse(m.value!.toString())).findingIds);
      return ids.includes(newKeyFinding.id) && ids.includes(newUserFinding.id);
    });
    const events = messages.map((m) => EnforcementEvent.parse(JSON.parse(m.value!.toString())));

    const recordA: IdentityRecord = await query(keyA.key);
    const recordU: IdentityRecord = await query(userA.key);
    const recordB: IdentityRecord = await query(keyB.key);
    expect(recordA.findingIds).toEqual([keyFindings[0]!.id, newKeyFinding.id]);
    expect(recordU.findingIds).toEqual([...userFindings.map((f) => f.id), newUserFinding.id]);
    expect(recordA.remediations.map((r) => r.action)).toEqual(['deactivate-key']);
    expect(recordU.remediations.map((r) => r.action).sort()).toEqual([
      'quarantine',
      'revoke-sessions',
      'scope-down',
    ]);
    expect(recordB.remediations).toEqual([
      expect.objectContaining({ action: 'deactivate-key', workflowId: takenId, alreadyStarted: true }),
    ]);
    // Proposed at a score over the rule's 80 (once deactivated, it scores its residual risk: risk/residual.ts).
    expect(recordA.remediations[0]!.score).toBeGreaterThanOrEqual(80);
    expect(recordU.assessment?.owner).toBe('team-ci');

    // One child start per action in each history; one remediation.started event per identity and action.
    // Ended here so the histories are complete (a live one may end inside a workflow task).
    const histories = {
      key: await finalHistory(w.client, identityWorkflowId(keyA.key)),
      user: await finalHistory(w.client, identityWorkflowId(userA.key)),
      taken: await finalHistory(w.client, identityWorkflowId(keyB.key)),
    };
    expect(childStarts(histories.key)).toEqual([remediationWorkflowId(keyA.key, 'deactivate-key', 0)]);
    expect(childStarts(histories.user)).toHaveLength(3);
    expect(new Set(childStarts(histories.user)).size).toBe(3);
    expect(childStarts(histories.taken)).toEqual([takenId]);
    const startedEvents = events
      .filter((e) => e.type === 'remediation.started')
      .map((e) => `${e.identityKey} ${e.detail.action}`);
    expect(startedEvents.sort()).toEqual(
      [
        `${keyA.key} deactivate-key`,
        `${userA.key} quarantine`,
        `${userA.key} revoke-sessions`,
        `${userA.key} scope-down`,
      ].sort(),
    );
    // Visibility knows one execution per remediation id (the taken one included).
    for (const r of [...recordA.remediations, ...recordU.remediations, ...recordB.remediations]) {
      w.terminateAtStop.push(r.workflowId);
      expect(await remediationRuns(r.workflowId), r.workflowId).toBe(1);
    }

    // The remediation really ran despite the dry run: the leaked key is inactive; so is keyB's (the run that
    // took its id acted).
    const done = (await w.client.workflow
      .getHandle(remediationWorkflowId(keyA.key, 'deactivate-key', 0))
      .result()) as RemediationState;
    expect(done.status).toBe('executed');
    // Acting goes ahead of bulk assessment in the task queue: the remediation runs with the enforcement priority.
    const described = await w.client.workflow
      .getHandle(remediationWorkflowId(keyA.key, 'deactivate-key', 0))
      .describe();
    expect(described.priority?.priorityKey).toBe(ENFORCEMENT_PRIORITY.priorityKey);
    // So does the control workflow every act reserves its turn with.
    const control = await w.client.workflow.getHandle(controlWorkflowId(w.taskQueue)).describe();
    expect(control.priority?.priorityKey).toBe(ENFORCEMENT_PRIORITY.priorityKey);
    const { iam } = awsClients();
    const status = async (user: string, key: string) =>
      (await iam.send(new ListAccessKeysCommand({ UserName: user }))).AccessKeyMetadata?.find(
        (k) => k.AccessKeyId === key,
      )?.Status;
    expect(await status(`${prefix}-ci`, keyA.name!)).toBe('Inactive');
    expect(await status(`${prefix}-svc`, keyB.name!)).toBe('Inactive');

    // The histories replay against the current code (and become the replay fixtures).
    const recorded = [
      { name: 'identity-redelivery-key', workflowId: identityWorkflowId(keyA.key), history: histories.key },
      {
        name: 'identity-redelivery-user',
        workflowId: identityWorkflowId(userA.key),
        history: histories.user,
      },
      {
        name: 'identity-already-started',
        workflowId: identityWorkflowId(keyB.key),
        history: histories.taken,
      },
    ];
    expect(await replay(recorded)).toEqual([]);
    for (const r of recorded) recordFixture(r.name, r.history);
  }, 180_000);

  it('continue-as-new carries the record and pending work: no finding lost, no action started twice', async () => {
    const a = await seedAdminUser(`${prefix}-can`);
    const identity = a.user;
    const workflowId = identityWorkflowId(identity.key);
    w.terminateAtStop.push(workflowId);
    await w.client.workflow.start<typeof identityWorkflow>('identityWorkflow', {
      workflowId,
      taskQueue: w.taskQueue,
      args: [{ identity, maxHistoryEvents: 40 }],
    });
    // Twelve deliveries, each awaited until merged, so each costs an assessment and the runs turn over; every
    // third one re-delivers the first batch too.
    const findings: Finding[] = [];
    const handle = w.client.workflow.getHandle(workflowId);
    for (let i = 0; i < 12; i++) {
      const batch = [0, 1, 2].map((j) =>
        finding(identity, j === 0 ? 'excess-privilege' : 'misconfiguration', {
          seed: `${prefix}/can/${i}/${j}`,
        }),
      );
      findings.push(...batch);
      await deliver(
        w.client,
        w.taskQueue,
        identity,
        i % 3 === 0 ? [...batch, ...findings.slice(0, 3)] : batch,
      );
      await waitFor('merged', async () =>
        (await handle.query(identityQuery)).findingIds.length === findings.length ? 1 : undefined,
      );
    }
    const record = await waitFor('the decision', async () => {
      const r = await handle.query(identityQuery);
      return r.remediations.length ? r : undefined;
    });
    await settled(workflowId);
    await finalHistory(w.client, workflowId);
    const chain = await runChain(w.client, workflowId);
    expect(chain.length).toBeGreaterThanOrEqual(2);
    expect(record.findingIds).toEqual(findings.map((f) => f.id));
    expect(record.remediations.map((r) => r.action)).toEqual(['scope-down']);
    w.terminateAtStop.push(record.remediations[0]!.workflowId);
    const starts = chain.flatMap((run) => childStarts(run.history));
    expect(starts).toEqual([remediationWorkflowId(identity.key, 'scope-down', 0)]);
    for (const run of chain) expect(eventsOf(run.history).length).toBeLessThan(80);

    const first = chain[0]!;
    expect(eventsOf(first.history).at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
    expect(await replay(chain.map((run) => ({ workflowId, history: run.history })))).toEqual([]);
    recordFixture('identity-continue-as-new', first.history);
  });
});
