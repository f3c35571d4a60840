// The finding lifecycle through the pipeline: an open finding starts a remediation that waits for approval; the
// tool then reports the same finding resolved. The open finding closes, the score is assessed again and drops, and
// the waiting remediation ends `cancelled` with its reason; the identity record shows what happened.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { remediationWorkflowId } from '../../risk/decide.ts';
import type { Finding } from '../../schemas/finding.ts';
import { identityQuery, identityWorkflowId } from '../../workflows/identity/definitions.ts';
import { remediationQuery } from '../../workflows/remediation/definitions.ts';
import {
  deliver,
  eventsOf,
  finding,
  seedAdminUser,
  startTestWorker,
  type TestWorker,
  waitFor,
} from './identity-support.ts';

const prefix = `life-${randomUUID().slice(0, 8)}`;
let w: TestWorker;

/** One rule that needs a person: it fires while an excess-privilege finding is open. */
const POLICY = `version: 1
rules:
  - id: excess-privilege
    when: { minScore: 1, kinds: [excess-privilege], identityTypes: [aws-user] }
    action: scope-down
    mode: approval
    approval: { groups: { security: 1 }, timeout: 72h, onTimeout: cancel }
`;

beforeAll(async () => {
  const policyFile = join(mkdtempSync(join(tmpdir(), 'nhi-lifecycle-')), 'policy.yaml');
  writeFileSync(policyFile, POLICY);
  w = await startTestWorker('id-life', { policyFile });
});
afterAll(async () => {
  await w?.stop();
});

const query = (key: string) => w.client.workflow.getHandle(identityWorkflowId(key)).query(identityQuery);

describe('a resolved finding closes its open one', () => {
  it('the score drops and the remediation awaiting approval is cancelled with its reason', async () => {
    const { user } = await seedAdminUser(`${prefix}-admin`);
    const open: Finding = {
      ...finding(user, 'excess-privilege', { seed: `${prefix}/admin-policy`, severity: 80, format: 'wiz' }),
      source: { format: 'wiz', product: 'Wiz', vendor: 'Wiz', nativeId: `${prefix}-issue-1` },
    };
    await deliver(w.client, w.taskQueue, user, [open]);

    const remediationId = remediationWorkflowId(user.key, 'scope-down', 0);
    w.terminateAtStop.push(remediationId);
    const handle = w.client.workflow.getHandle(remediationId);
    await waitFor(
      'the scope-down request',
      async () => ((await handle.query(remediationQuery)).status === 'awaiting-approval' ? true : undefined),
      180_000,
    );
    const before = (await query(user.key)).assessment!.risk.score;

    // The tool reports the same finding resolved (same id, a later observation).
    const resolved: Finding = {
      ...open,
      status: 'resolved',
      time: new Date(Date.parse(open.time) + 60_000).toISOString(),
    };
    await deliver(w.client, w.taskQueue, user, [resolved]);

    const cancelled = await waitFor(
      'the request to be cancelled',
      async () => {
        const s = await handle.query(remediationQuery);
        return s.status === 'cancelled' ? s : undefined;
      },
      180_000,
    );
    expect(cancelled.cancelled?.reason).toBe(
      `every finding it was started on was closed: ${open.id} (resolved)`,
    );
    expect(cancelled.approvals).toEqual([]);

    const record = await waitFor(
      'the identity to record the end',
      async () => {
        const r = await query(user.key);
        return r.remediations[0]?.ended && r.assessment!.risk.score < before ? r : undefined;
      },
      180_000,
    );
    expect(record.findings.find((f) => f.id === open.id)?.status).toBe('resolved');
    expect(record.assessment!.risk.score).toBeLessThan(before);
    expect(record.remediations).toHaveLength(1);
    expect(record.remediations[0]).toMatchObject({
      action: 'scope-down',
      findingIds: [open.id],
      findingsClosed: { reason: `every finding it was started on was closed: ${open.id} (resolved)` },
      ended: { status: 'cancelled' },
    });

    // The cancellation is in the remediation's own history (the record of what happened).
    const history = await w.client.workflow.getHandle(remediationId).fetchHistory();
    const signals = eventsOf(history)
      .map((e) => e.workflowExecutionSignaledEventAttributes?.signalName)
      .filter(Boolean);
    expect(signals).toContain('findingsClosed');
  });
});
