// `nhi identity KEY`: a team action's remediation that no worker has picked up says so, with the phase, the team's
// task queue and since when; one that failed for want of a worker (onNoWorker: fail) says that instead.
import { describe, expect, it } from 'vitest';
import { identityReport } from '../../../cli/format-identity.ts';
import type { RemediationView } from '../../../cli/identity-source.ts';
import type { IdentityRef } from '../../../schemas/identity.ts';
import { emptyRecord } from '../../../workflows/identity/state.ts';
import type { RemediationStatus } from '../../../workflows/remediation/definitions.ts';

const identity: IdentityRef = {
  key: 'secret:uri:0123456789abcdef',
  type: 'secret',
  provider: 'generic',
  aliases: [],
};
const since = '2026-11-30T08:00:00.000Z';

function remediation(status: RemediationStatus): RemediationView {
  return {
    action: 'dbteam/rotate-postgres-password',
    ruleId: 'leaked-db-password',
    workflowId: 'remediate/dbteam/rotate-postgres-password/secret:uri:0123456789abcdef/0',
    mode: 'auto',
    reasons: ['risk score 80 ≥ 0'],
    startedAt: since,
    score: 80,
    execution: status === 'failed' ? 'FAILED' : 'RUNNING',
    state: {
      status,
      approvals: [],
      waitingForWorker: { phase: 'plan', taskQueue: 'dbteam-rotations', since },
    },
  };
}

const report = (r: RemediationView) =>
  identityReport(emptyRecord(identity), [r], Date.parse(since)).join('\n');

describe('identityReport: a team action waiting for its worker', () => {
  it('names the phase, the task queue and since when', () => {
    const lines = report(remediation('planning'));
    expect(lines).toContain(
      `      waiting for a worker since ${since}: none has picked up its plan phase on task queue dbteam-rotations`,
    );
  });

  it('a remediation that failed for want of a worker says so', () => {
    const lines = report(remediation('failed'));
    expect(lines).toContain(
      `      failed for want of a worker: none picked up its plan phase on task queue dbteam-rotations (waiting since ${since})`,
    );
    expect(lines).not.toContain('waiting for a worker since');
  });

  it('nothing about workers when its phases were picked up', () => {
    const { waitingForWorker: _, ...state } = remediation('acting').state!;
    expect(report({ ...remediation('acting'), state })).not.toMatch(/worker/);
  });
});

describe('identityReport: refused messages', () => {
  it('lists what the workflow refused, who it claimed to be from and why', () => {
    const record = {
      ...emptyRecord(identity),
      refusedMessages: [
        { at: since, message: 'findings', reason: 'not sealed by a service identity' },
        { at: since, message: 'exception', claimedBy: 'worker', reason: 'the signature does not verify' },
      ],
    };
    const lines = identityReport(record, [], Date.parse(since));
    expect(lines.join('\n')).toMatch(/refused\s+2 message\(s\) \(the newest last\)/);
    expect(lines).toContain(`    ${since} findings: not sealed by a service identity`);
    expect(lines).toContain(`    ${since} exception claimed by worker: the signature does not verify`);
  });
});

describe('identityReport: who verified a remediation', () => {
  const executed = (teamAction: boolean): RemediationView => {
    const { waitingForWorker: _, ...state } = remediation('executed').state!;
    return {
      ...remediation('executed'),
      state: {
        ...state,
        verification: { ok: true, detail: 'the new password logs in' },
        ...(teamAction ? { teamAction: { name: 'dbteam/rotate-postgres-password' } as never } : {}),
      },
    };
  };

  it("a team action's verification is its worker's report: \"verified by the team's worker\"", () => {
    expect(report(executed(true))).toContain(", verified by the team's worker: the new password logs in");
  });

  it('one the enforcer verified itself says verified', () => {
    const text = report(executed(false));
    expect(text).toContain(', verified: the new password logs in');
    expect(text).not.toContain("team's worker");
  });

  it("a remediation's refused messages (a cancel request) are shown under it", () => {
    const r = remediation('held');
    const refusal = {
      at: since,
      message: 'cancel',
      claimedBy: 'a Temporal client (unsigned)',
      reason: 'a cancel request carries no signature',
    };
    const text = report({ ...r, state: { ...r.state!, refusedMessages: [refusal] } });
    expect(text).toContain(
      `refused 1 message(s), newest ${since} cancel claimed by a Temporal client (unsigned): a cancel request carries no signature`,
    );
  });
});

describe('identityReport: residual risk after containment', () => {
  const key: IdentityRef = {
    key: 'aws:access-key:AKIAIOSFODNN7EXAMPLE',
    type: 'aws-access-key',
    provider: 'aws',
    aliases: [],
  };
  const workflowId = `remediate/deactivate-key/${key.key}/0`;
  const ended = '2026-11-30T09:00:00.000Z';
  const contained = (assessedAt: string, skippedReason: string) => ({
    ...emptyRecord(key),
    assessment: {
      assessedAt,
      risk: {
        score: 5,
        total: 5,
        factors: [
          {
            id: 'residual' as const,
            points: 5,
            weight: 1,
            contribution: 5,
            reason: `key AKIA…MPLE deactivated by ${workflowId} at ${ended}: an inactive key can do nothing`,
          },
        ],
        contained: { before: 85, reasons: [] },
      },
      policy: {} as never,
      principal: 'arn:aws:iam::1:user/ci',
      credentials: {},
      roles: [],
      capabilities: [
        {
          id: 'full-admin',
          title: 'admin',
          weight: 100,
          path: ['arn:aws:iam::1:user/ci'],
          allResources: true,
          conditional: false,
          why: 'all',
        },
      ],
    },
    remediations: [
      {
        action: 'deactivate-key',
        ruleId: 'exposed-access-key',
        workflowId,
        mode: 'auto' as const,
        reasons: [],
        startedAt: since,
        score: 85,
        epoch: 0,
        ended: { status: 'executed' as const, at: ended },
      },
    ],
    skipped: [{ ruleId: 'exposed-access-key', action: 'deactivate-key', reason: skippedReason }],
  });

  it('the score says it is residual, what it was before, and names the remediation', () => {
    const text = identityReport(contained(ended, 'x'), [], Date.parse(since)).join('\n');
    expect(text).toMatch(/risk score\s+residual risk 5 of 100 after containment \(85 before\)/);
    expect(text).toContain(`+5   residual    key AKIA…MPLE deactivated by ${workflowId} at ${ended}`);
    // What its user can do is listed, and said not to be reachable through the inactive key.
    expect(text).toMatch(
      /capabilities\s+1 \(strongest form, shortest path\), of arn:aws:iam::1:user\/ci: none through this key while it is inactive/,
    );
  });

  it('a rule skipped while the proposal ran does not say "not ended" once it ended executed', () => {
    const stale = 'deactivate-key already proposed (epoch 0) and not ended';
    const text = identityReport(contained(since, stale), [], Date.parse(since)).join('\n');
    expect(text).not.toContain('not ended');
    expect(text).toContain(
      `deactivate-key   rule exposed-access-key: deactivate-key executed at ${ended} (epoch 0); not proposed again because it is done (only a signed rollback re-arms it)`,
    );
    // Assessed after it ended: the recorded reason is current and shown as it is.
    const fresh = identityReport(contained('2026-11-30T09:00:01.000Z', 'current'), [], 0).join('\n');
    expect(fresh).toContain('rule exposed-access-key: current');
  });
});

describe('identityReport: what comes after a refusal', () => {
  const refused = (): RemediationView => ({
    ...remediation('refused'),
    ended: { status: 'refused', at: since, cause: 'configuration' },
  });

  it('one refused because of configuration says when it comes back, and the command to retry it now', () => {
    expect(report(refused())).toContain(
      `      ended because of configuration: proposed again when the policy or the registered team actions change, or now: nhi remediation retry ${refused().workflowId} --as WHO --reason R`,
    );
    expect(report({ ...refused(), ended: { status: 'rejected', at: since } })).not.toContain(
      'remediation retry',
    );
  });

  it('a retried one names who retried it, when, why and which round', () => {
    const retried = {
      ...refused(),
      retry: { by: 'alice@example.com', at: since, reason: 'set up', round: 1 },
    };
    const text = report(retried);
    expect(text).toContain(`      retried by alice@example.com at ${since} (round 1): set up`);
    expect(text).not.toContain('ended because of configuration');
  });
});
