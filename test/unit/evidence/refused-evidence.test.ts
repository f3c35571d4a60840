// The evidence shows refused messages: the latest value of each workflow's REFUSED_MEMO_KEY memo (and the identity
// record memo's refusedMessages) in its history, per case, in the summary and the report, derived again by verify.
// The histories are recorded ones with a crafted WorkflowPropertiesModified event, so this holds before every
// workflow writes the memo.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import type { AccessSummary } from '../../../evidence/access-summary.ts';
import { exportEvidence, type HistorySource } from '../../../evidence/export.ts';
import { refusalsIn } from '../../../evidence/refusals.ts';
import { NO_REASON_RECORDED } from '../../../evidence/summary.ts';
import { verifyExport } from '../../../evidence/verify.ts';
import { REFUSED_MEMO_KEY, type RefusedMessage } from '../../../schemas/refused-message.ts';
import { accessFixtureSource, fixtureSource, testSigner } from '../../support/evidence.ts';

const payload = (value: unknown) => ({
  metadata: { encoding: new TextEncoder().encode('json/plain') },
  data: new TextEncoder().encode(JSON.stringify(value)),
});

const forgedRollback: RefusedMessage = {
  at: '2026-12-01T10:00:00.000Z',
  message: 'rollback',
  claimedBy: 'totally-not-a-person',
  reason: 'no valid signature by a person the policy names for rollback',
};
const forgedException: RefusedMessage = {
  at: '2026-12-01T09:00:00.000Z',
  message: 'exception',
  claimedBy: 'mallory',
  reason: 'a hint the identity workflow contradicts: no such grant',
};

type Events = NonNullable<temporal.api.history.v1.IHistory['events']>;
/** Appends a WorkflowPropertiesModified event upserting `fields` to a run's history. */
function upsertMemo(events: Events, fields: Record<string, unknown>) {
  const last = events.at(-1)!;
  events.push(
    temporal.api.history.v1.HistoryEvent.create({
      eventId: (Number(last.eventId) + 1) as never, // a Long in the proto type; a number serialises the same
      eventTime: last.eventTime,
      eventType: temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED,
      workflowPropertiesModifiedEventAttributes: {
        upsertedMemo: { fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, payload(v)])) },
      },
    }),
  );
}

/** The recorded histories, with refusals upserted into the first remediation's memo and its identity's record. */
function sourceWithRefusals(): HistorySource & { ids: string[] } {
  const base = fixtureSource();
  const remediation = base.ids[0]!;
  return {
    ...base,
    runChain: async (workflowId) => {
      const runs = await base.runChain(workflowId);
      const events = runs.at(-1)!.history.events!;
      if (workflowId === remediation) {
        upsertMemo(events, { [REFUSED_MEMO_KEY]: [{ ...forgedRollback, at: '2026-12-01T08:00:00.000Z' }] });
        upsertMemo(events, { [REFUSED_MEMO_KEY]: [forgedRollback] }); // the latest value counts
      } else if (workflowId.startsWith('identity')) {
        upsertMemo(events, { nhi: { refusedMessages: [forgedException] } });
      }
      return runs;
    },
  };
}

describe('refused messages in the evidence', () => {
  it('reads the latest memo value of a run chain', () => {
    const runs = [
      {
        events: [
          {
            id: 1,
            time: 't',
            type: 'WorkflowExecutionStarted',
            attrs: { memo: { fields: { [REFUSED_MEMO_KEY]: [forgedException] } } },
          },
          {
            id: 2,
            time: 't',
            type: 'WorkflowPropertiesModified',
            attrs: { upsertedMemo: { fields: { other: 1 } } },
          },
          {
            id: 3,
            time: 't',
            type: 'WorkflowPropertiesModified',
            attrs: { upsertedMemo: { fields: { [REFUSED_MEMO_KEY]: [forgedException, forgedRollback] } } },
          },
        ],
      },
    ];
    expect(refusalsIn(runs)).toEqual([forgedException, forgedRollback]);
    expect(refusalsIn([])).toEqual([]);
  });

  it('each case shows who tried what and why it was refused: summary, report, and verify derives them again', async () => {
    const source = sourceWithRefusals();
    const dir = join(mkdtempSync(join(tmpdir(), 'nhi-refused-')), 'export');
    const result = await exportEvidence(source, { outDir: dir, signer: testSigner() });
    const summary = result.summaries.find((s) => s.workflowId === source.ids[0])!;
    expect(summary.refused).toEqual([
      { ...forgedException, where: 'identity' },
      { ...forgedRollback, where: 'remediation' },
    ]);
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(md).toContain('Refused messages');
    expect(md).toContain('totally-not-a-person');
    expect(md).toContain('no valid signature by a person the policy names for rollback');
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('totally-not-a-person');
    expect(verifyExport(dir).problems).toEqual([]);

    // A summary that hides a refusal no longer matches its histories.
    const path = result.manifest.cases.find(
      (c) => c.workflowId === source.ids[0] && c.kind === 'remediation',
    )!;
    const file = join(dir, (path as { summary: string }).summary);
    const written = JSON.parse(readFileSync(file, 'utf8'));
    written.refused = written.refused.slice(1);
    writeFileSync(file, `${JSON.stringify(written, null, 2)}\n`);
    expect(
      verifyExport(dir)
        .problems.map((p) => p.problem)
        .join('\n'),
    ).toMatch(/changed|differs/);
  });

  it('an access case lists the messages its workflow refused (a forged revocation), in the summary and the report', async () => {
    const forgedRevocation: RefusedMessage = {
      at: '2026-12-01T11:00:00.000Z',
      message: 'riskRevocation',
      reason: 'not sealed by a service identity',
    };
    const base = accessFixtureSource();
    const grant = base.ids.find((id) => id.startsWith('access/'))!;
    const source: HistorySource = {
      ...base,
      runChain: async (workflowId) => {
        const runs = await base.runChain(workflowId);
        if (workflowId === grant)
          upsertMemo(runs.at(-1)!.history.events!, { [REFUSED_MEMO_KEY]: [forgedRevocation] });
        return runs;
      },
    };
    const dir = join(mkdtempSync(join(tmpdir(), 'nhi-refused-access-')), 'export');
    const result = await exportEvidence(source, { outDir: dir, signer: testSigner(), workflowIds: base.ids });
    const cases = result.cases.filter((c) => c.kind === 'access') as AccessSummary[];
    expect(cases.find((c) => c.workflowId === grant)!.refusedMessages).toEqual([forgedRevocation]);
    expect(cases.filter((c) => c.workflowId !== grant).map((c) => c.refusedMessages)).toEqual([undefined]);
    expect(cases.find((c) => c.workflowId === grant)!.lines).toContain(
      'Refused message: riskRevocation at 2026-12-01T11:00:00.000Z, claimed by nobody named: not sealed by a service identity.',
    );
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toContain('Refused message: riskRevocation');
    expect(verifyExport(dir).problems).toEqual([]);
  });
});

/** Exports the recorded histories with the scope-down's approval answered by `answer` (a refusal). */
async function exportWithRefusedApproval(answer: Record<string, unknown>) {
  const base = fixtureSource();
  const scopeDown = base.ids.find((id) => id.startsWith('remediate/scope-down/'))!;
  const source: HistorySource = {
    ...base,
    runChain: async (workflowId) => {
      const runs = await base.runChain(workflowId);
      if (workflowId === scopeDown)
        for (const e of runs.at(-1)!.history.events!)
          if (e.workflowExecutionUpdateCompletedEventAttributes)
            e.workflowExecutionUpdateCompletedEventAttributes.outcome = {
              success: { payloads: [payload({ ...answer, status: 'awaiting-approval' })] },
            };
      return runs;
    },
  };
  const dir = join(mkdtempSync(join(tmpdir(), 'nhi-refused-decision-')), 'export');
  const result = await exportEvidence(source, { outDir: dir, signer: testSigner() });
  return { dir, summary: result.summaries.find((s) => s.workflowId === scopeDown)! };
}

describe('refused decisions in a remediation’s trail', () => {
  it('say why they were refused: in the summary, its timeline, and the report (markdown and HTML)', async () => {
    const why = 'alice@security is not in an approver group of this rule (security)';
    const { dir, summary } = await exportWithRefusedApproval({ accepted: false, refusal: why });
    expect(summary.decisions).toEqual([
      expect.objectContaining({ name: 'approve', outcome: 'refused', failure: why }),
    ]);
    expect(summary.timeline.map((t) => t.what)).toContain(
      `approval (approve) by alice@security: refused: ${why}`,
    );
    for (const report of ['report.md', 'report.html'])
      expect(readFileSync(join(dir, report), 'utf8')).toContain(`refused: ${why}`);
    expect(verifyExport(dir).problems).toEqual([]);
  });

  it('a refusal whose history recorded no reason says so, never a bare "refused"', async () => {
    const { dir, summary } = await exportWithRefusedApproval({ accepted: false });
    expect(summary.decisions[0]).toMatchObject({ outcome: 'refused', failure: NO_REASON_RECORDED });
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toContain(`refused: ${NO_REASON_RECORDED}`);
  });
});
