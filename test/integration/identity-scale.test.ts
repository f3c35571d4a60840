// 20,000 findings for one identity: every run's history stays far below 10,000 events (continue-as-new at
// MAX_HISTORY_EVENTS), every finding is counted once across the run chain, the carried state stays far below Temporal's 2 MB
// payload limit, and the policy crossing still starts exactly one remediation.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportEvidence } from '../../evidence/export.ts';
import { runFromJson } from '../../evidence/history-json.ts';
import { verifyExport } from '../../evidence/verify.ts';
import { remediationWorkflowId } from '../../risk/decide.ts';
import type { Finding, FindingKind } from '../../schemas/finding.ts';
import { findingsSignal, identityQuery, identityWorkflowId } from '../../workflows/identity/definitions.ts';
import { MAX_FINDING_DETAILS, MAX_RECENT_IDS } from '../../workflows/identity/state.ts';
import { MAX_HISTORY_EVENTS } from '../../workflows/identity/workflow.ts';
import { testSigner } from '../support/evidence.ts';
import { sealed } from '../support/service-seal.ts';
import {
  deliver,
  eventsOf,
  finalHistory,
  finding,
  runChain,
  seedAdminUser,
  startTestWorker,
  type TestWorker,
  waitFor,
} from './identity-support.ts';

const TOTAL = 20_000;
const BATCH = 20;
const PARALLEL = 2; // two consumers (partitions) delivering for the same identity; each sends its chunks in order

let w: TestWorker;

beforeAll(async () => {
  w = await startTestWorker('id-scale');
});

afterAll(async () => {
  await w?.stop();
});

const KINDS: FindingKind[] = [
  'misconfiguration',
  'activity',
  'excess-privilege',
  'misconfiguration',
  'activity',
];

describe('an identity with 20,000 findings', () => {
  it('continues as new below 10,000 events per run and keeps every finding id', async () => {
    const started = Date.now();
    const prefix = `scale-${randomUUID().slice(0, 8)}`;
    const { user: identity } = await seedAdminUser(prefix);
    const workflowId = identityWorkflowId(identity.key);
    w.terminateAtStop.push(workflowId, remediationWorkflowId(identity.key, 'scope-down', 0));

    const findings: Finding[] = Array.from({ length: TOTAL }, (_, i) =>
      finding(identity, KINDS[i % KINDS.length]!, {
        seed: `${prefix}/${i}`,
        severity: 40 + (i % 50),
        title: `${KINDS[i % KINDS.length]} #${i % 97} on ${prefix}`,
        format: i % 5 === 1 ? 'cloudtrail' : 'wiz',
      }),
    );
    const batches = Array.from({ length: TOTAL / BATCH }, (_, i) =>
      findings.slice(i * BATCH, (i + 1) * BATCH),
    );
    // Every tenth batch is delivered twice (a consumer retry), every 25th signal repeated as a plain signal.
    const queue = batches.flatMap((b, i) => (i % 10 === 0 ? [b, b] : [b]));
    let signals = 0;
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        for (let b = queue.shift(); b; b = queue.shift()) {
          await deliver(w.client, w.taskQueue, identity, b);
          signals++;
          if (signals % 25 === 0) {
            await w.client.workflow
              .getHandle(workflowId)
              .signal(findingsSignal, sealed(workflowId, findingsSignal, { identity, findings: b }));
            signals++;
          }
        }
      }),
    );
    const deliveredMs = Date.now() - started;

    const handle = w.client.workflow.getHandle(workflowId);
    const record = await waitFor(
      'all 20,000 findings merged and assessed',
      async () => {
        const r = await handle.query(identityQuery);
        return r.findingsTotal === TOTAL && r.remediations.length ? r : undefined;
      },
      120_000,
    );
    // Every finding counted once (duplicated deliveries dropped); ids kept for the newest only (bounded record).
    expect(record.findingsTotal).toBe(TOTAL);
    const sent = new Set(findings.map((f) => f.id));
    expect(record.findingIds.every((id) => sent.has(id))).toBe(true);
    expect(record.findingIds.length).toBeLessThanOrEqual(MAX_RECENT_IDS);
    expect(record.findings.length).toBeLessThanOrEqual(MAX_FINDING_DETAILS);
    expect(record.countsByKind).toEqual({
      misconfiguration: 8_000,
      activity: 8_000,
      'excess-privilege': 4_000,
    });
    expect(record.remediations.map((r) => r.action)).toEqual(['scope-down']);

    // Let the last assessment land, end the workflow, and read the whole run chain.
    await waitFor('the last assessment', async () => {
      const r = await handle.query(identityQuery);
      return r.assessment && Date.parse(r.assessment.assessedAt) >= Date.parse(record.lastSeen!)
        ? 1
        : undefined;
    });
    await finalHistory(w.client, workflowId);
    const chain = await runChain(w.client, workflowId);
    const counts = chain.map((run) => eventsOf(run.history).length);
    const signalled = chain.flatMap((run) =>
      eventsOf(run.history).filter((e) => e.workflowExecutionSignaledEventAttributes),
    ).length;
    // The state each run was started with: the carried record plus pending work.
    const carried = chain.slice(1).map((run) => {
      const payload = eventsOf(run.history)[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
      return payload?.data?.length ?? 0;
    });
    const sizes = await Promise.all(
      chain.map(async (run) => {
        const d = await w.client.workflow.getHandle(workflowId, run.runId).describe();
        return Number(d.raw.workflowExecutionInfo?.historySizeBytes ?? 0);
      }),
    );
    const childStarts = chain.flatMap((run) =>
      eventsOf(run.history)
        .map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId)
        .filter(Boolean),
    );
    console.log(
      [
        `20k findings: ${signals} signals (${signalled} in histories) delivered in ${deliveredMs} ms, total ${Date.now() - started} ms`,
        `runs: ${chain.length}; events per run: ${counts.join(', ')} (max ${Math.max(...counts)}, limit ${MAX_HISTORY_EVENTS})`,
        `history bytes per run: ${sizes.join(', ')}`,
        `carried state per continue-as-new (bytes): ${carried.join(', ')} (max ${Math.max(...carried)})`,
      ].join('\n'),
    );

    expect(signalled).toBe(signals);
    expect(chain.length).toBeGreaterThan(1);
    for (const n of counts) expect(n).toBeLessThan(10_000);
    expect(Math.max(...counts)).toBeLessThan(MAX_HISTORY_EVENTS + 200);
    expect(Math.max(...carried)).toBeLessThan(1_000_000); // Temporal refuses payloads over 2 MB
    expect(childStarts).toEqual([remediationWorkflowId(identity.key, 'scope-down', 0)]);

    // Compliance can export this busy identity as evidence: every run of the chain (each several MB, more than
    // one gRPC message of the SDK's default size), and the manifest verifies.
    const dir = mkdtempSync(join(tmpdir(), 'nhi-scale-evidence-'));
    try {
      const { manifest } = await exportEvidence(w.client, {
        workflowIds: [workflowId],
        outDir: dir,
        signer: testSigner(),
      });
      const runs = manifest.cases[0]!.histories.map((p) => runFromJson(readFileSync(join(dir, p), 'utf8')));
      expect(runs.map((r) => [r.runId, r.events.length])).toEqual(
        chain.map((run, i) => [run.runId, counts[i]]),
      );
      expect(verifyExport(dir).problems).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 170_000);
});
