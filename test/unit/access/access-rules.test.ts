// The checks at the moment of a request, the grant messages an identity workflow sends, and sealed credentials:
// pure logic, tested directly with real keys.
import { describe, expect, it } from 'vitest';
import {
  newRecipientKey,
  openCredentials,
  sealCredentials,
} from '../../../activities/access/sealed-credentials.ts';
import { accessRequestInput } from '../../../cli/access-client.ts';
import type { AccessTerms } from '../../../schemas/access.ts';
import type { Finding } from '../../../schemas/finding.ts';
import { parsePolicy } from '../../../schemas/policy.ts';
import { requestVerdict } from '../../../workflows/access/access-rules.ts';
import type { AccessContext } from '../../../workflows/access/definitions.ts';
import { barredGrants, grantMessagesFor } from '../../../workflows/identity/access-grants.ts';
import type { IdentityRecord } from '../../../workflows/identity/state.ts';
import { person, snapshotOf } from '../../support/people.ts';

const rita = person('rita@example.com', 'deployers');
const dave = person('dave@example.com', 'marketing');
const KEY = 'arn:aws:iam::123456789012:user/ci';
const action = parsePolicy({
  version: 1,
  rules: [],
  protectedActions: [
    {
      name: 'deploy',
      actions: ['lambda:UpdateFunctionCode'],
      risk: 'low',
      role: 'jit',
      maxDuration: '30m',
      requesters: { groups: ['deployers'], identities: [KEY] },
      riskCeiling: 50,
    },
  ],
}).protectedActions[0]!;

const ctx = (
  over: Partial<AccessContext> = {},
  identity: Partial<AccessContext['identity']> = {},
): AccessContext => ({
  action,
  catalogue: ['deploy'],
  directory: snapshotOf([rita, dave]),
  identity: { key: KEY, score: 20, compromise: [], ...identity },
  roleArn: 'arn:aws:iam::123456789012:role/jit',
  ...over,
});
const terms = (over: Partial<AccessTerms> = {}): AccessTerms => ({
  action: 'deploy',
  identityKey: KEY,
  duration: '15m',
  requester: rita.id,
  reason: 'release',
  recipientKey: 'b'.repeat(64),
  ...over,
});
const verdict = (c: AccessContext, t: AccessTerms, signer = rita) => {
  const input = accessRequestInput('jit-000000000001', t, { person: signer.id, secretKey: signer.secretKey });
  return requestVerdict(c, t, input.signed, 'access/jit-000000000001');
};

describe('requestVerdict', () => {
  it('grants a signed request within policy, with every check recorded', () => {
    expect(verdict(ctx(), terms())).toEqual({
      requester: rita.id,
      checks: {
        requester: rita.id,
        riskScore: 20,
        riskCeiling: 50,
        maxDuration: '30m',
        compromise: [],
        paused: false,
        duration: '15m',
        approvalRequired: false,
      },
    });
  });

  it('refuses with one line each', () => {
    const r = (c: AccessContext, t: AccessTerms, signer = rita) => verdict(c, t, signer).refusal;
    expect(r(ctx({ action: undefined }), terms({ action: 'nope' }))).toBe(
      "no protected action 'nope' in the policy (catalogued: deploy)",
    );
    expect(r(ctx(), terms({ duration: '1h' }))).toBe("duration 1h is over deploy's maximum of 30m");
    expect(r(ctx(), terms({ duration: '5m' }))).toBe(
      'duration 5m is under 15m, the shortest session STS issues',
    );
    expect(r(ctx(), terms({ requester: dave.id }), dave)).toBe(
      `dave@example.com may not request deploy (requesters: group deployers, identity ${KEY})`,
    );
    // Rita's name on the terms, Dave's key on the signature.
    expect(r(ctx(), terms(), dave)).toBe('signed by dave@example.com, not by the requester rita@example.com');
    expect(r(ctx({ paused: { by: 'a@example.com', reason: 'incident', at: 'now' } }), terms())).toBe(
      'enforcement is paused by a@example.com (incident): no new grants until it resumes',
    );
    expect(r(ctx({}, { score: 50 }), terms())).toBe(
      `${KEY} has risk score 50, at or above deploy's ceiling of 50`,
    );
    expect(r(ctx({}, { compromise: [{ id: 'f_1', title: 'exfiltration' }] }), terms())).toBe(
      `${KEY} has an open compromise finding (exfiltration; f_1)`,
    );
    expect(r(ctx({}, { score: undefined, unknown: 'no assessment' }), terms())).toBe(
      `the current risk of ${KEY} is unknown (no assessment)`,
    );
    expect(r(ctx(), terms({ recipientKey: 'x' }))).toMatch(/X25519 public key/);
    expect(r(ctx({ accountRefusal: 'account 222222222222 is not configured' }), terms())).toBe(
      'account 222222222222 is not configured',
    );
  });

  it('an identity asks for itself only, unsigned', () => {
    const t = terms({ requester: KEY });
    expect(requestVerdict(ctx(), t, undefined, 'access/jit-000000000001').refusal).toBeUndefined();
    const other = terms({ requester: KEY, identityKey: 'arn:aws:iam::123456789012:user/other' });
    expect(requestVerdict(ctx(), other, undefined, 'w').refusal).toBe(
      `${KEY} may request deploy only for itself, not for arn:aws:iam::123456789012:user/other`,
    );
  });
});

describe('grantMessagesFor', () => {
  const grant = {
    grantId: 'jit-000000000001',
    workflowId: 'access/jit-000000000001',
    expiresAt: '2999-01-01T00:00:00.000Z',
    assumedRoleArn: 'arn:aws:sts::123456789012:assumed-role/jit/nhi-jit-000000000001',
  };
  const record = () =>
    ({
      identity: { key: KEY, type: 'aws-user', provider: 'aws', aliases: [] },
      accessGrants: [{ ...grant }],
    }) as unknown as IdentityRecord;
  const f = (severity: number, status: 'open' | 'resolved' = 'open', identities: unknown[] = []): Finding =>
    ({
      id: `f_${severity}`,
      kind: 'exposed-secret',
      status,
      severity: { label: 'x', score: severity },
      title: 't',
      time: 'now',
      identities,
      evidence: {},
    }) as never;

  it('a new open critical finding revokes every live grant, once', () => {
    const r = record();
    const delivery = { identity: r.identity, findings: [] };
    expect(grantMessagesFor(r, delivery, [f(70)], '2026-01-01T00:00:00.000Z')).toEqual([]);
    expect(grantMessagesFor(r, delivery, [f(95, 'resolved')], '2026-01-01T00:00:00.000Z')).toEqual([]);
    expect(grantMessagesFor(r, delivery, [f(95)], '2026-01-01T00:00:00.000Z')).toEqual([
      {
        workflowId: grant.workflowId,
        revoke: { reason: `critical finding on ${KEY}: t`, findingId: 'f_95' },
      },
    ]);
    expect(grantMessagesFor(r, delivery, [f(96)], '2026-01-01T00:00:00.000Z')).toEqual([]);
  });

  it('with the risk bar: a compromise finding of any severity revokes, as it refuses a request', () => {
    const r = record();
    const delivery = { identity: r.identity, findings: [] };
    const compromise = { ...f(75), id: 'f_c', kind: 'compromise-indicator', title: 'exfil' } as Finding;
    // Before the bar (histories recorded without it): only a critical finding revoked.
    expect(grantMessagesFor(r, delivery, [compromise], '2026-01-01T00:00:00.000Z')).toEqual([]);
    const sample = { ...compromise, evidence: { sample: true } } as Finding;
    expect(grantMessagesFor(r, delivery, [sample], '2026-01-01T00:00:00.000Z', true)).toEqual([]);
    expect(grantMessagesFor(r, delivery, [compromise], '2026-01-01T00:00:00.000Z', true)).toEqual([
      {
        workflowId: grant.workflowId,
        revoke: { reason: `${KEY} has an open compromise finding (exfil; f_c)`, findingId: 'f_c' },
      },
    ]);
    // The same words refuse a new request.
    expect(verdict(ctx({}, { compromise: [{ id: 'f_c', title: 'exfil' }] }), terms()).refusal).toBe(
      `${KEY} has an open compromise finding (exfil; f_c)`,
    );
    // A critical finding still revokes with the bar on.
    const r2 = record();
    expect(grantMessagesFor(r2, delivery, [f(95)], '2026-01-01T00:00:00.000Z', true)).toEqual([
      {
        workflowId: grant.workflowId,
        revoke: { reason: `critical finding on ${KEY}: t`, findingId: 'f_95' },
      },
    ]);
  });

  it('the assessed score at the grant’s ceiling revokes it; a grant noted without a ceiling keeps the old rule', () => {
    const at = '2026-01-01T00:00:00.000Z';
    const withScore = (score: number, ceiling?: number) =>
      ({
        identity: { key: KEY, type: 'aws-user', provider: 'aws', aliases: [] },
        findings: [],
        assessment: { risk: { score } },
        accessGrants: [
          { ...grant, ...(ceiling !== undefined ? { action: 'deploy', riskCeiling: ceiling } : {}) },
        ],
      }) as unknown as IdentityRecord;
    expect(barredGrants(withScore(49, 50), at)).toEqual([]);
    expect(barredGrants(withScore(90), at)).toEqual([]);
    const r = withScore(50, 50);
    expect(barredGrants(r, at)).toEqual([
      {
        workflowId: grant.workflowId,
        revoke: { reason: `${KEY} has risk score 50, at or above deploy's ceiling of 50` },
      },
    ]);
    expect(barredGrants(r, at)).toEqual([]); // once
    // The request at that score is refused with the same words.
    expect(verdict(ctx({}, { score: 50 }), terms()).refusal).toBe(
      `${KEY} has risk score 50, at or above deploy's ceiling of 50`,
    );
    // An open compromise finding already on the record (it came after the request was checked) bars it too.
    const late = {
      ...withScore(10, 50),
      findings: [{ id: 'f_c', title: 'exfil', kind: 'compromise-indicator', status: 'open' }],
    } as unknown as IdentityRecord;
    expect(barredGrants(late, at)).toEqual([
      {
        workflowId: grant.workflowId,
        revoke: { reason: `${KEY} has an open compromise finding (exfil; f_c)`, findingId: 'f_c' },
      },
    ]);
  });

  it('a finding naming the grant session is a use', () => {
    const r = record();
    const finding = {
      ...f(10),
      kind: 'activity',
      evidence: { eventSource: 'iam.amazonaws.com', eventName: 'ListUsers' },
      identities: [{ key: 'arn:aws:iam::123456789012:role/jit', aliases: [grant.assumedRoleArn] }],
    } as never;
    expect(
      grantMessagesFor(r, { identity: r.identity, findings: [] }, [finding], '2026-01-01T00:00:00.000Z'),
    ).toEqual([
      { workflowId: grant.workflowId, use: { findingId: 'f_10', at: 'now', api: 'iam:ListUsers' } },
    ]);
  });
});

describe('sealed credentials', () => {
  it('open only with the request key, for the grant they were sealed for', () => {
    const key = newRecipientKey();
    const creds = {
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 's3cr3t',
      sessionToken: 'tok',
      expiration: 'x',
    };
    const sealed = sealCredentials(creds, key.publicKey, 'jit-000000000001');
    expect(JSON.stringify(sealed)).not.toContain('s3cr3t');
    expect(openCredentials(sealed, key.privateKey, 'jit-000000000001')).toEqual(creds);
    expect(() => openCredentials(sealed, newRecipientKey().privateKey, 'jit-000000000001')).toThrow(
      /do not open/,
    );
    expect(() => openCredentials(sealed, key.privateKey, 'jit-000000000002')).toThrow(/do not open/);
    expect(() =>
      openCredentials({ ...sealed, ct: `00${sealed.ct.slice(2)}` }, key.privateKey, 'jit-000000000001'),
    ).toThrow();
  });
});
