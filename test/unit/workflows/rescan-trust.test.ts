// What a rescan report may do: a scope never reaches a workflow id with its token (GitHub's x-access-token URL,
// GitLab's CI_REPOSITORY_URL), a report without the consumer's service signature is refused, and one for a scope,
// topic or tool the policy does not declare is a tool's claim that closes nothing.
import { describe, expect, it } from 'vitest';
import { rescanVerdict } from '../../../activities/rescan-check.ts';
import { rescanReportOf } from '../../../consumers/rescan-report.ts';
import { parsePolicy } from '../../../schemas/policy.ts';
import { rescanMacProblem, rescanReportMac } from '../../../schemas/rescan-report-mac.ts';
import {
  readableRescanScope,
  rescanScopeHash,
  rescanWorkflowId,
  scopeMatches,
} from '../../../schemas/rescan-scope.ts';
import type { RescanReport } from '../../../workflows/rescan/scope-state.ts';

const ghs = `ghs_${'A1b2C3d4E5'.repeat(3)}abcdef`;
const glcbt = `glcbt-64_${'xY9zW8vU7t'.repeat(2)}`;
const github = `https://x-access-token:${ghs}@github.com/org/repo`;
const gitlab = `https://gitlab-ci-token:${glcbt}@gitlab.com/group/project.git`;

describe('rescan scopes in workflow ids', () => {
  it('drops URL credentials and hashes the readable scope into the id, stable across token rotation', () => {
    expect(readableRescanScope(github)).toBe('https://github.com/org/repo');
    expect(readableRescanScope(gitlab)).toBe('https://gitlab.com/group/project.git');
    for (const scope of [github, gitlab]) {
      const id = rescanWorkflowId('gitleaks', scope);
      expect(id).toMatch(/^rescan\/gitleaks\/[0-9a-f]{32}$/);
      expect(id).not.toContain(ghs);
      expect(id).not.toContain(glcbt);
    }
    const rotated = github.replace(ghs, `ghs_${'Z'.repeat(36)}`);
    expect(rescanScopeHash(rotated)).toBe(rescanScopeHash(github));
    // A credential shape anywhere else in a scope is redacted the way findings are.
    expect(readableRescanScope(`repo/${ghs}/src`)).not.toContain(ghs);
  });

  it('the report the consumer builds carries only the readable scope', () => {
    const made = rescanReportOf(gitlab, 'gitleaks', [], '2026-12-01T00:00:00.000Z', {
      topic: 'findings.scanner',
      partition: 0,
      offset: '7',
    });
    expect('report' in made && made.report).toMatchObject({
      scope: 'https://gitlab.com/group/project.git',
      topic: 'findings.scanner',
      offset: '7',
    });
    expect(JSON.stringify(made)).not.toContain(glcbt);
  });

  it('* in a declared scope matches any run of characters, nothing else is special', () => {
    expect(scopeMatches('https://github.com/org/*', 'https://github.com/org/repo')).toBe(true);
    expect(scopeMatches('https://github.com/org/*', 'https://github.com/other/repo')).toBe(false);
    expect(scopeMatches('github.com/a.b', 'github.com/aXb')).toBe(false);
  });
});

describe('rescanVerdict', () => {
  const policy = parsePolicy({
    version: 1,
    rules: [],
    rescans: [{ scope: 'https://github.com/org/*', topic: 'findings.rescans', format: 'gitleaks' }],
  });
  const report: RescanReport = {
    format: 'gitleaks',
    scope: 'https://github.com/org/repo',
    at: '2026-12-01T00:00:00.000Z',
    entries: [],
    topic: 'findings.rescans',
    partition: 0,
    offset: '3',
  };
  const key = Buffer.alloc(32, 7);
  const signed = { ...report, mac: rescanReportMac(report, key) };

  it('closes only a signed report for a declared scope, topic and tool', () => {
    expect(rescanVerdict(signed, rescanMacProblem(signed, key), policy)).toEqual({ verdict: 'closes' });
  });

  it('refuses a report with no or a wrong service signature (a forged signal from a bare Temporal client)', () => {
    expect(rescanVerdict(report, rescanMacProblem(report, key), policy)).toEqual({
      verdict: 'refused',
      reason: 'no service signature (not sent by the findings consumer)',
    });
    const altered = { ...signed, at: '2026-12-01T00:55:00.000Z' };
    expect(rescanVerdict(altered, rescanMacProblem(altered, key), policy)).toMatchObject({
      verdict: 'refused',
      reason: expect.stringMatching(/does not match/),
    });
  });

  it('a signed report on an undeclared topic, scope or tool is a claim', () => {
    for (const other of [
      { ...report, topic: 'findings.scanner' },
      { ...report, scope: 'https://github.com/elsewhere/repo' },
      { ...report, format: 'trufflehog' as const },
    ]) {
      const mac = rescanReportMac(other, key);
      expect(
        rescanVerdict({ ...other, mac }, rescanMacProblem({ ...other, mac }, key), policy),
      ).toMatchObject({
        verdict: 'claim',
        reason: expect.stringMatching(
          /is not declared in the policy's rescans: a tool's claim, it closes nothing$/,
        ),
      });
    }
    // No declared rescans (the default): nothing closes.
    expect(rescanVerdict(signed, undefined, parsePolicy({ version: 1, rules: [] })).verdict).toBe('claim');
  });
});
