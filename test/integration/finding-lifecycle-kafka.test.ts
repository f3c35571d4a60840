// The finding lifecycle through Kafka and Temporal: a Prowler FAIL on an admin user is published to a findings
// topic, the consumer normalises it and a scope-down waits for approval. Prowler's next scan reports the same
// check on the same user as PASS under a new id: the normaliser gives both the same check key, the identity
// closes the failure as passed (naming the report), the score drops and the waiting remediation is cancelled
// with that reason. A PASS of another check closes nothing.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { remediationWorkflowId } from '../../risk/decide.ts';
import { identityQuery, identityWorkflowId } from '../../workflows/identity/definitions.ts';
import { remediationQuery } from '../../workflows/remediation/definitions.ts';
import { produce } from '../support/kafka.ts';
import { pipelineOnTestTopics, type TestPipeline } from '../support/pipeline.ts';
import { seedAdminUser, waitFor } from './identity-support.ts';

const prefix = `lifek-${randomUUID().slice(0, 8)}`;
const taskQueue = `${prefix}-q`;
let topics: Record<string, string>;
let test: TestPipeline;
let client: Client;

const POLICY = `version: 1
rules:
  - id: admin-user
    when: { minScore: 1, kinds: [excess-privilege, misconfiguration], identityTypes: [aws-user] }
    action: scope-down
    mode: approval
    approval: { groups: { security: 1 }, timeout: 72h, onTimeout: cancel }
`;

/** A Prowler 4 OCSF result for `check` on the IAM user, as Prowler writes it (one object per result). */
function prowler(userArn: string, check: string, code: 'FAIL' | 'PASS', uid: string, at: string) {
  const account = userArn.split(':')[4]!;
  return {
    metadata: { event_code: check, product: { name: 'Prowler', vendor_name: 'Prowler', version: '4.2.1' } },
    severity_id: 4,
    severity: 'High',
    status: 'New',
    status_code: code,
    status_detail: `${check} ${code}`,
    finding_info: { uid, title: `Check ${check}`, created_time: at },
    resources: [{ uid: userArn, type: 'AwsIamUser', name: userArn.split('/').at(-1), region: 'us-east-1' }],
    category_uid: 2,
    class_uid: 2004,
    cloud: { account: { uid: account }, provider: 'aws', region: 'us-east-1' },
    time: Math.floor(Date.parse(at) / 1000),
  };
}

beforeAll(async () => {
  const policyFile = join(mkdtempSync(join(tmpdir(), 'nhi-lifecycle-kafka-')), 'policy.yaml');
  writeFileSync(policyFile, POLICY);
  test = await pipelineOnTestTopics('lifek', 'cspm', { taskQueue, groupId: taskQueue, policyFile });
  ({ topics, client } = test);
});

afterAll(async () => {
  await test?.stop();
});

describe('a pass under a new id closes the failure it answers, through Kafka', () => {
  it('closes by check key: the score drops and the waiting remediation is cancelled with its reason', async () => {
    const { user } = await seedAdminUser(`${prefix}-admin`);
    const check = 'iam_user_administrator_access_policy';
    const send = (record: unknown) =>
      produce(topics.cspm!, [{ key: user.key, value: JSON.stringify(record), headers: { format: 'ocsf' } }]);
    const query = () => client.workflow.getHandle(identityWorkflowId(user.key)).query(identityQuery);

    await send(prowler(user.key, check, 'FAIL', `${prefix}-scan-1`, '2026-11-01T10:00:00.000Z'));
    const remediationId = remediationWorkflowId(user.key, 'scope-down', 0);
    const handle = client.workflow.getHandle(remediationId);
    await waitFor(
      'the scope-down request',
      async () => {
        const s = await handle.query(remediationQuery).catch(() => undefined);
        return s?.status === 'awaiting-approval' ? s : undefined;
      },
      240_000,
    );
    const opened = await query();
    const failure = opened.findings.find((f) => f.status === 'open')!;
    expect(failure.check).toMatch(/^ck_[0-9a-f]{32}$/);
    const before = opened.assessment!.risk.score;

    // Another check passing on the same user closes nothing.
    await send(
      prowler(
        user.key,
        'iam_user_mfa_enabled_console_access',
        'PASS',
        `${prefix}-other`,
        '2026-11-02T10:00:00.000Z',
      ),
    );
    await waitFor(
      'the other pass on the record',
      async () => ((await query()).findings.length === 2 ? true : undefined),
      240_000,
    );
    expect((await query()).findings.find((f) => f.id === failure.id)?.status).toBe('open');

    // The next scan: the same check passes, under a new id.
    await send(prowler(user.key, check, 'PASS', `${prefix}-scan-2`, '2026-11-03T10:00:00.000Z'));
    const cancelled = await waitFor(
      'the request to be cancelled',
      async () => {
        const s = await handle.query(remediationQuery);
        return s.status === 'cancelled' ? s : undefined;
      },
      240_000,
    );
    const record = await waitFor(
      'the identity to record the end and the lower score',
      async () => {
        const r = await query();
        return r.remediations[0]?.ended && r.assessment!.risk.score < before ? r : undefined;
      },
      240_000,
    );
    const closed = record.findings.find((f) => f.id === failure.id)!;
    expect(closed).toMatchObject({ status: 'passed', closedBy: expect.stringMatching(/^f_/) });
    // The report that closed it is the pass of the same check (same check key), not the other check's pass.
    const pass = record.findings.find((f) => f.id === closed.closedBy);
    expect(pass).toMatchObject({ status: 'passed', check: failure.check });
    expect(record.findings.filter((f) => f.status === 'passed' && f.check !== failure.check)).toHaveLength(1);
    const reason = `every finding it was started on was closed: ${failure.id} (passed by ${closed.closedBy})`;
    expect(cancelled.cancelled?.reason).toBe(reason);
    expect(record.assessment!.risk.score).toBeLessThan(before);
    expect(record.remediations).toHaveLength(1);
    expect(record.remediations[0]).toMatchObject({
      findingIds: [failure.id],
      findingsClosed: { reason },
      ended: { status: 'cancelled' },
    });
  });
});
