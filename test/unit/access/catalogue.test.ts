// The protected-action catalogue in the policy: schema errors and meaning errors, one line each, naming the entry.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { directoryProblems } from '../../../activities/directory-source.ts';
import { defaultPolicyPath } from '../../../activities/policy-source.ts';
import { safeParsePolicy } from '../../../schemas/policy.ts';
import { policyTextErrors } from '../../../schemas/policy-file.ts';
import { policyMeaningErrors } from '../../../schemas/policy-meaning.ts';

const entry = (over: Record<string, unknown> = {}) => ({
  name: 'deploy-prod',
  actions: ['lambda:UpdateFunctionCode'],
  resources: ['arn:aws:lambda:us-east-1:123456789012:function:api'],
  risk: 'medium',
  role: 'nhi-jit-deploy',
  maxDuration: '15m',
  requesters: { groups: ['deployers'] },
  riskCeiling: 60,
  ...over,
});
const policyWith = (...entries: unknown[]) => ({ version: 1, rules: [], protectedActions: entries });

describe('protected-action catalogue', () => {
  it('is optional (empty by default) and parses an entry with its defaults', () => {
    const none = safeParsePolicy({ version: 1, rules: [] });
    expect(none.ok && none.policy.protectedActions).toEqual([]);
    const one = safeParsePolicy(policyWith(entry({ resources: undefined })));
    expect(one.ok && one.policy.protectedActions[0]).toMatchObject({
      resources: ['*'],
      requesters: { groups: ['deployers'], identities: [] },
    });
  });

  it('reports schema errors with the entry named', () => {
    const bad = safeParsePolicy(
      policyWith(entry({ actions: ['UpdateFunctionCode'], requesters: {} }), entry({ riskCeiling: 101 })),
    );
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(
      /protectedActions\[0\]\(deploy-prod\)\.actions\[0\]: must be an IAM action such as s3:GetObject/,
    );
    expect(!bad.ok && bad.error).toMatch(/requesters: must name at least one group or identity/);
    const dup = safeParsePolicy(policyWith(entry(), entry()));
    expect(!dup.ok && dup.error).toMatch(
      /protectedActions\[1\]\(deploy-prod\)\.name: duplicates protectedActions\[0\]\.name/,
    );
  });

  it('reports meaning errors: a duration STS cannot issue, risky without approval, auto-approval, a pattern requester', () => {
    const parsed = safeParsePolicy(
      policyWith(
        entry({ name: 'short', maxDuration: '5m' }),
        entry({ name: 'long', maxDuration: '2d' }),
        entry({ name: 'risky', risk: 'critical' }),
        entry({ name: 'auto', approval: { groups: { security: 1 }, onTimeout: 'auto' } }),
        entry({ name: 'pattern', requesters: { identities: ['arn:aws:iam::*:role/ci-*'] } }),
        entry({ name: 'fine', risk: 'high', approval: { groups: { security: 1 } } }),
      ),
    );
    if (!parsed.ok) throw new Error(parsed.error);
    expect(policyMeaningErrors(parsed.policy)).toEqual([
      'protectedActions[0](short).maxDuration: 5m is outside what sts:AssumeRole issues (15m to 12h)',
      'protectedActions[1](long).maxDuration: 2d is outside what sts:AssumeRole issues (15m to 12h)',
      'protectedActions[2](risky).approval: missing, but a critical-risk action is never granted without approval',
      'protectedActions[3](auto).approval.onTimeout: auto would grant access nobody approved (use cancel or escalate)',
      "protectedActions[4](pattern).requesters.identities[0]: 'arn:aws:iam::*:role/ci-*' names no identity: a requester is one identity, not a pattern",
    ]);
  });

  it('nhi policy check: requester and approver groups nobody in the directory belongs to are warnings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'catalogue-'));
    writeFileSync(
      join(dir, 'directory.yaml'),
      `version: 1\npeople:\n  - { id: a@example.com, groups: [security], keys: [ed25519:${'a'.repeat(64)}] }\n`,
    );
    const parsed = safeParsePolicy({
      ...policyWith(entry({ approval: { groups: { security: 1, platform: 1 } } })),
      directory: 'directory.yaml',
    });
    if (!parsed.ok) throw new Error(parsed.error);
    const saved = process.env.NHI_DIRECTORY_FILE;
    delete process.env.NHI_DIRECTORY_FILE;
    try {
      const { errors, warnings } = directoryProblems(parsed.policy, join(dir, 'policy.yaml'));
      expect(errors).toEqual([]);
      expect(warnings).toEqual([
        expect.stringMatching(
          /belongs to deployers \(named by protectedActions\[0\]\(deploy-prod\)\.requesters\.groups\)/,
        ),
        expect.stringMatching(
          /belongs to platform \(named by protectedActions\[0\]\(deploy-prod\)\.approval\.groups\.platform\)/,
        ),
      ]);
    } finally {
      if (saved !== undefined) process.env.NHI_DIRECTORY_FILE = saved;
    }
  });

  it('the default policy still parses (its catalogue sample is commented out)', () => {
    const text = readFileSync(defaultPolicyPath, 'utf8');
    expect(policyTextErrors(text, 'default.yaml').errors).toEqual([]);
  });
});
