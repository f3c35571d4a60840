// A complete rescan against the previous one: what it no longer names is closed (resolved, by check key), what it
// names stays; an older report than the last is ignored (redelivery); the report is built from findings.
import { describe, expect, it } from 'vitest';
import { rescanReportOf } from '../../../consumers/rescan-report.ts';
import type { IdentityRef } from '../../../schemas/identity.ts';
import { applyRescan, type ScopeState } from '../../../workflows/rescan/scope-state.ts';
import { findingsOf } from '../../support/normalize.ts';

const secret = (n: number): IdentityRef => ({
  key: `secret:github:${n}`,
  type: 'secret',
  provider: 'github',
  aliases: [],
});
const entry = (n: number) => ({ checkKey: `ck_${String(n).padStart(32, '0')}`, identity: secret(n) });
let seq = 0;
const newId = () => `f_${String(++seq).padStart(32, '0')}`;

describe('applyRescan', () => {
  it('closes what the new complete report no longer names, once', () => {
    const state: ScopeState = { format: 'gitleaks', scope: 'repo', open: {} };
    const first = applyRescan(
      state,
      { format: 'gitleaks', scope: 'repo', at: '2026-01-01T00:00:00.000Z', entries: [entry(1), entry(2)] },
      newId,
    );
    expect(first.closings).toEqual([]);
    const second = applyRescan(
      state,
      { format: 'gitleaks', scope: 'repo', at: '2026-01-02T00:00:00.000Z', entries: [entry(1)] },
      newId,
    );
    expect(second.closings).toHaveLength(1);
    expect(second.closings[0]!.identity.key).toBe('secret:github:2');
    expect(second.closings[0]!.finding).toMatchObject({
      status: 'resolved',
      checkKey: entry(2).checkKey,
      kind: 'exposed-secret',
      time: '2026-01-02T00:00:00.000Z',
      statusReason: 'no longer reported by a complete gitleaks rescan of repo',
    });
    expect(Object.keys(state.open)).toEqual([entry(1).checkKey]);
    // The same report again (redelivery) or an older one changes nothing.
    const again = applyRescan(
      state,
      { format: 'gitleaks', scope: 'repo', at: '2026-01-02T00:00:00.000Z', entries: [] },
      newId,
    );
    expect(again).toMatchObject({ closings: [], ignored: expect.stringMatching(/not newer/) });
    expect(Object.keys(state.open)).toEqual([entry(1).checkKey]);
  });
});

describe('rescanReportOf', () => {
  const gitleaks = JSON.stringify([
    {
      RuleID: 'github-pat',
      File: 'src/a.ts',
      StartLine: 1,
      Secret: 'ghp_rescanCanary0123456789abcdefABCDEFGHIJ',
      Match: 'x',
      Commit: 'a'.repeat(40),
      Date: '2024-01-02T03:04:05Z',
    },
  ]);
  it('names the tool from the header, each open secret by check key and identity, never the secret', () => {
    const findings = findingsOf(gitleaks, { format: 'gitleaks' });
    const made = rescanReportOf(' repo ', 'gitleaks', findings, '2026-01-01T00:00:00.000Z');
    expect(made).toMatchObject({
      report: { format: 'gitleaks', scope: 'repo', entries: [{ checkKey: findings[0]!.checkKey }] },
    });
    expect(JSON.stringify(made)).not.toContain('ghp_rescanCanary');
  });
  it('an empty result needs the format header; an empty scope is refused', () => {
    expect(rescanReportOf('repo', 'gitleaks', [], '2026-01-01T00:00:00.000Z')).toMatchObject({
      report: { entries: [] },
    });
    expect(rescanReportOf('repo', 'auto', [], '2026-01-01T00:00:00.000Z')).toMatchObject({
      problem: /names no tool/,
    });
    expect(rescanReportOf('  ', 'gitleaks', [], '2026-01-01T00:00:00.000Z')).toMatchObject({
      problem: /scope/,
    });
  });
});
