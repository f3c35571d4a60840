// A remediation's follow-up history (re-checks, drift re-enforced, rollback) read into its summary: the recorded
// deactivate-key history with a follow-up history built event by event as Temporal records it.
import { describe, expect, it } from 'vitest';
import { historyJson, runFromJson } from '../../../evidence/history-json.ts';
import { renderReport } from '../../../evidence/report.ts';
import { deriveRemediationSummary, type RunEvents } from '../../../evidence/summary.ts';
import { fixtureSource } from '../../support/evidence.ts';

const source = fixtureSource();

async function recorded(action: string): Promise<{ runs: RunEvents[]; parent: RunEvents[] }> {
  const id = source.ids.find((x) => x.split('/')[1] === action)!;
  const load = async (wf: string) =>
    Promise.all((await source.runChain(wf)).map(async (r) => runFromJson(await historyJson(r.history))));
  const runs = await load(id);
  const parentId = (runs[0]!.events[0]!.attrs.parentWorkflowExecution as { workflowId: string }).workflowId;
  return { runs, parent: await load(parentId) };
}

/** A follow-up run: a drift re-enforced, then `nhi rollback --as alice --reason …`, verified. */
function followUpRun(remediationId: string): RunEvents {
  let id = 0;
  let minute = 0;
  const ev = (type: string, attrs: Record<string, unknown>) => ({
    id: ++id,
    time: `2026-01-01T00:${String(minute++).padStart(2, '0')}:00.000Z`,
    type,
    attrs,
  });
  const activity = (name: string, result: unknown) => {
    const scheduled = ev('ActivityTaskScheduled', { activityType: { name }, input: [] });
    return [scheduled, ev('ActivityTaskCompleted', { scheduledEventId: scheduled.id, result: [result] })];
  };
  return {
    runId: 'follow-up-run',
    events: [
      ev('WorkflowExecutionStarted', {
        workflowId: `${remediationId}/follow-up`,
        workflowType: { name: 'remediationFollowUpWorkflow' },
      }),
      ...activity('verifyRemediation', { ok: true, detail: 'key is Inactive' }),
      ...activity('verifyRemediation', { ok: false, detail: 'key is Active' }),
      ...activity('executeRemediation', { deactivated: 1 }),
      ...activity('verifyRemediation', { ok: true, detail: 'key is Inactive' }),
      ...activity('publishEnforcementEvent', { published: true }),
      ev('WorkflowExecutionUpdateAccepted', {
        acceptedRequest: {
          meta: { updateId: 'u1' },
          input: { name: 'rollback', args: [{ by: 'alice', reason: 'false positive' }] },
        },
      }),
      ...activity('rollbackRemediation', { activated: 1 }),
      ...activity('verifyRollback', { ok: true, detail: '1 key(s) active' }),
      ev('WorkflowExecutionUpdateCompleted', {
        meta: { updateId: 'u1' },
        outcome: { success: [{ status: 'rolled-back' }] },
      }),
      ev('WorkflowExecutionCompleted', { result: [{ status: 'rolled-back' }] }),
    ],
  };
}

describe('summary from the follow-up history', () => {
  it('the report links the follow-up run to its page in the Web UI', async () => {
    const { runs, parent } = await recorded('deactivate-key');
    const id = deriveRemediationSummary(runs, parent).workflowId;
    const s = deriveRemediationSummary(runs, parent, [followUpRun(id)]);
    const { html } = renderReport([s], {
      exportedAt: '2026-01-02T00:00:00.000Z',
      namespace: 'default',
      query: {},
      sequence: 1,
      previous: null,
      webUi: 'http://127.0.0.1:8233',
    });
    const href = `http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(`${id}/follow-up`)}/follow-up-run/history`;
    expect(html).toContain(`<a href="${href}">Temporal Web UI: follow-up run follow-up-run</a>`);
  });

  it('re-checks, the drift re-enforced and the rollback (who, why, when, outcome, verified) are in the summary', async () => {
    const { runs, parent } = await recorded('deactivate-key');
    const without = deriveRemediationSummary(runs, parent);
    const remediationId = without.workflowId;
    const s = deriveRemediationSummary(runs, parent, [followUpRun(remediationId)]);

    expect(s.followUp).toEqual({
      workflowId: `${remediationId}/follow-up`,
      runIds: ['follow-up-run'],
      status: 'rolled-back',
      rechecks: [
        { at: '2026-01-01T00:02:00.000Z', ok: true, detail: 'key is Inactive' },
        { at: '2026-01-01T00:04:00.000Z', ok: false, detail: 'key is Active', reenforced: true },
      ],
      drifts: 1,
      rollback: {
        by: 'alice',
        reason: 'false positive',
        at: '2026-01-01T00:11:00.000Z',
        outcome: { activated: 1 },
        verification: { ok: true, detail: '1 key(s) active' },
      },
    });
    expect(s.rechecks).toEqual(s.followUp?.rechecks);
    expect(s.rollback).toEqual([s.followUp?.rollback]);
    expect(s.enforcement).toMatchObject({
      drifts: 1,
      rollback: { by: 'alice', reason: 'false positive', at: '2026-01-01T00:11:00.000Z', verified: true },
    });
    // Rolled back by a person: change control, which the remediation alone did not show.
    expect(without.enforcement.controls).not.toContain('CM-3');
    expect(s.enforcement.controls).toContain('CM-3');
    expect(s.timeline.map((t) => t.what)).toContain('rollback by alice (false positive): verified');
    // Everything else is the remediation's own record, unchanged.
    const {
      followUp: _f,
      rollback: _r,
      rechecks: _c,
      enforcement: e1,
      controls: _k,
      timeline: _t,
      events: _e,
      ...rest
    } = s;
    const { rechecks: _c0, enforcement: e0, controls: _k0, timeline: _t0, events: _e0, ...rest0 } = without;
    expect(rest).toEqual(rest0);
    expect({ ...e1, controls: [], drifts: undefined, rollback: undefined }).toEqual({
      ...e0,
      controls: [],
      drifts: undefined,
      rollback: undefined,
    });
  });

  it('no follow-up history: no follow-up, no rollback', async () => {
    const { runs, parent } = await recorded('deactivate-key');
    const s = deriveRemediationSummary(runs, parent);
    expect(s.followUp).toBeUndefined();
    expect(s.rollback).toBeUndefined();
    expect(s.enforcement.rollback).toBeUndefined();
  });

  it("reads a team action's phases (team/verb:act on the team's queue) like the built-in ones", async () => {
    const { runs, parent } = await recorded('deactivate-key');
    const remediationId = String(runs[0]!.events[0]!.attrs.workflowId);
    const teamRun = followUpRun(remediationId);
    const names: Record<string, string> = {
      verifyRemediation: 'dbteam/rotate-postgres-password:verify',
      executeRemediation: 'dbteam/rotate-postgres-password:act',
      rollbackRemediation: 'dbteam/rotate-postgres-password:rollback',
      verifyRollback: 'dbteam/rotate-postgres-password:verify-rollback',
    };
    for (const e of teamRun.events) {
      const type = e.attrs.activityType as { name: string } | undefined;
      if (type && names[type.name]) type.name = names[type.name]!;
    }
    const builtIn = deriveRemediationSummary(runs, parent, [followUpRun(remediationId)]);
    const team = deriveRemediationSummary(runs, parent, [teamRun]);
    // The same record, except that the rollback's verification is the team worker's report, said in those words.
    expect(builtIn.followUp?.rollback?.verifiedBy).toBeUndefined();
    expect(team.followUp).toEqual({
      ...builtIn.followUp,
      rollback: { ...builtIn.followUp!.rollback, verifiedBy: "verified by the team's worker" },
    });
    expect(team.followUp?.rollback?.verification).toEqual({ ok: true, detail: '1 key(s) active' });
    expect(team.timeline.map((t) => t.what)).toContain(
      "rollback by alice (false positive): verified by the team's worker",
    );
  });

  it('a team action\'s own verification is "verified by the team\'s worker" in the summary and the report', async () => {
    const { runs, parent } = await recorded('deactivate-key');
    const builtIn = deriveRemediationSummary(runs, parent);
    expect(builtIn.verification).toBeDefined();
    expect(builtIn.verifiedBy).toBeUndefined();
    const { runs: teamRuns } = await recorded('deactivate-key');
    for (const e of teamRuns.flatMap((r) => r.events)) {
      const type = e.attrs.activityType as { name: string } | undefined;
      if (type?.name === 'verifyRemediation') type.name = 'dbteam/rotate-postgres-password:verify';
    }
    const team = deriveRemediationSummary(teamRuns, parent);
    expect(team.verification).toEqual(builtIn.verification);
    expect(team.verifiedBy).toBe("verified by the team's worker");
    expect(team.timeline.map((t) => t.what)).toContain(
      "verifyRemediation: completed (verified by the team's worker)",
    );
    const meta = {
      exportedAt: '2026-01-02T00:00:00.000Z',
      namespace: 'default',
      query: {},
      sequence: 1,
      previous: null,
      webUi: 'http://127.0.0.1:8233',
    };
    expect(renderReport([team], meta as never).markdown).toContain(
      "Verification (verified by the team's worker): ",
    );
    expect(renderReport([builtIn], meta as never).markdown).toMatch(/Verification: \{/);
  });
});
