import { describe, expect, it } from 'vitest';
import { followUpClosedLine } from '../../../cli/follow-up-closed.ts';
import { main } from '../../../cli/main.ts';
import type { FollowUpState } from '../../../workflows/remediation/definitions.ts';

async function nhi(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('nhi rollback arguments', () => {
  it.each([
    [[], /exactly one REMEDIATION_ID/],
    [['a', 'b', '--as', 'x', '--reason', 'r'], /exactly one REMEDIATION_ID/],
    [['id', '--reason', 'r'], /--as WHO is required/],
    [['id', '--as', 'alice@example.com'], /--reason R is required/],
    [['id', '--as', 'alice@example.com', '--reason', ' '], /--reason R is required/],
    [['id', '--bogus'], /Unknown option/],
  ])('%j: exit 2 with one line', async (args, message) => {
    const r = await nhi('rollback', ...args);
    expect(r.code).toBe(2);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(message);
  });

  it('--help says what is restored and what cannot be rolled back', async () => {
    const r = await nhi('rollback', '--help');
    expect(r.code).toBe(0);
    const text = r.out.join('\n');
    expect(text).toMatch(/usage: nhi rollback REMEDIATION_ID --as WHO --reason R \[--key FILE\] \[--json\]/);
    expect(text).toMatch(/Secrets Manager secret: the leaked value would come back/);
  });
});

describe('nhi rollback on a follow-up that has ended', () => {
  const base: FollowUpState = {
    remediationId: 'remediate/deactivate-key/k/0',
    status: 'watching',
    plan: { action: 'deactivate-key', identityKey: 'AKIAEXAMPLE', steps: [] },
    outcome: {},
    until: '2026-12-14T00:00:00.000Z',
    rechecks: [],
    drifts: 0,
  };
  const id = base.remediationId;

  it('already rolled back: by whom, when and why, and where to see it', () => {
    const line = followUpClosedLine(id, {
      ...base,
      status: 'rolled-back',
      rollback: { by: 'alice@example.com', reason: 'false positive', at: '2026-12-07T10:00:00.000Z' },
    });
    expect(line).toBe(
      `${id}: already rolled back by alice@example.com at 2026-12-07T10:00:00.000Z (false positive); nothing left to undo (nhi identity AKIAEXAMPLE shows it)`,
    );
  });

  it('a failed rollback and a closed window say so; a watching follow-up takes the rollback', () => {
    expect(
      followUpClosedLine(id, {
        ...base,
        status: 'rollback-failed',
        rollback: {
          by: 'bob@example.com',
          reason: 'r',
          at: 't',
          verification: { ok: false, detail: 'still Inactive' },
        },
      }),
    ).toBe(
      `${id}: a rollback by bob@example.com at t failed (still Inactive); its follow-up has ended and takes no other (nhi identity AKIAEXAMPLE shows it)`,
    );
    expect(followUpClosedLine(id, { ...base, status: 'closed' })).toBe(
      `${id}: its rollback window closed at 2026-12-14T00:00:00.000Z; it can no longer be rolled back (nhi identity AKIAEXAMPLE shows it)`,
    );
    expect(followUpClosedLine(id, base)).toBeUndefined();
    expect(followUpClosedLine(id, { ...base, status: 'rolling-back' })).toBeUndefined();
  });
});
