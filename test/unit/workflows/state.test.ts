// The identity record as the workflow keeps it: dedup, resolution in any delivery order, which details are kept,
// what continue-as-new carries (and how big it is), and the compact assessment input.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expandFindings } from '../../../activities/assess-identity.ts';
import { scoreIdentity } from '../../../risk/score.ts';
import type { Finding, FindingKind } from '../../../schemas/finding.ts';
import type { IdentityRef } from '../../../schemas/identity.ts';
import { DEFAULT_HYGIENE, DEFAULT_WEIGHTS } from '../../../schemas/policy.ts';
import {
  carryRecord,
  emptyRecord,
  IdentityState,
  MAX_FINDING_DETAILS,
  MAX_RECENT_IDS,
  restoreRecord,
  scoringFindings,
} from '../../../workflows/identity/state.ts';

const identity: IdentityRef = {
  key: 'arn:aws:iam::123456789012:user/ci',
  type: 'aws-user',
  provider: 'aws',
  account: '123456789012',
  aliases: [],
};
const NOW = '2026-11-20T12:00:00.000Z';
const LATER = '2026-11-20T13:00:00.000Z';

const idOf = (seed: string) => `f_${createHash('sha256').update(seed).digest('hex').slice(0, 32)}`;
function finding(
  seed: string,
  kind: FindingKind = 'excess-privilege',
  extra: Partial<Finding> = {},
): Finding {
  return {
    schemaVersion: 1,
    id: idOf(seed),
    source: { format: 'wiz', product: 'Wiz', vendor: 'Wiz' },
    kind,
    status: 'open',
    title: `finding ${seed}`,
    severity: { label: 'high', score: 70 },
    time: '2026-11-20T10:00:00.000Z',
    identities: [identity],
    resources: [],
    references: [],
    evidence: {},
    ...extra,
  };
}
const fresh = () => new IdentityState(emptyRecord(identity));

describe('IdentityState', () => {
  it('adds each finding once; re-delivery changes nothing but lastSeen', () => {
    const s = fresh();
    const a = finding('a');
    expect(s.addFindings([a, finding('b'), a], NOW).map((f) => f.id)).toEqual([a.id, idOf('b')]);
    expect(s.addFindings([a], LATER)).toEqual([]);
    expect(s.record.findingIds).toEqual([a.id, idOf('b')]);
    // Counted, so a bench can show how much a crash made the consumers send twice.
    expect(s.record.redelivered).toBe(2);
    expect(s.record.findings[0]).toMatchObject({ firstSeen: NOW, lastSeen: LATER });
    expect(s.record.countsByKind).toEqual({ 'excess-privilege': 2 });
  });

  it('skips malformed entries instead of throwing in the signal handler', () => {
    const s = fresh();
    expect(s.addFindings([null, { id: 'x' }, 42, finding('ok')], NOW)).toHaveLength(1);
    expect(s.record.findingIds).toEqual([idOf('ok')]);
  });

  it('a resolved report closes the open finding of the same tool and native id', () => {
    const s = fresh();
    const open = finding('open', 'exposed-secret', {
      source: { format: 'github-secret-scanning', product: 'GitHub', vendor: 'GitHub', nativeId: '42' },
    });
    s.addFindings([open], NOW);
    const resolved = finding('resolved', 'exposed-secret', {
      status: 'resolved',
      time: '2026-11-20T11:00:00.000Z',
      source: open.source,
    });
    expect(s.addFindings([resolved], LATER)).toHaveLength(1);
    expect(s.openFindings()).toEqual([]);
  });

  it('a resolved report that overtook its finding still closes it (delivery order ≠ observation order)', () => {
    const s = fresh();
    const source = {
      format: 'github-secret-scanning' as const,
      product: 'GitHub',
      vendor: 'GitHub',
      nativeId: '7',
    };
    s.addFindings(
      [finding('r', 'exposed-secret', { status: 'resolved', time: '2026-11-20T11:00:00.000Z', source })],
      NOW,
    );
    s.addFindings([finding('o', 'exposed-secret', { time: '2026-11-20T10:00:00.000Z', source })], LATER);
    expect(s.openFindings()).toEqual([]);
    // …but not a newer report of the same alert (reopened after the resolution).
    s.addFindings([finding('o2', 'exposed-secret', { time: '2026-11-20T12:00:00.000Z', source })], LATER);
    expect(s.openFindings().map((f) => f.id)).toEqual([idOf('o2')]);
  });

  it('over the cap, drops resolved and plain activity details before an open leak', () => {
    const s = fresh();
    s.addFindings([finding('leak', 'exposed-secret')], NOW);
    s.addFindings(
      Array.from({ length: MAX_FINDING_DETAILS + 200 }, (_, i) => finding(`act-${i}`, 'activity')),
      LATER,
    );
    expect(s.record.findings.length).toBeLessThanOrEqual(MAX_FINDING_DETAILS);
    expect(s.record.findings.length).toBeGreaterThanOrEqual(MAX_FINDING_DETAILS * 0.9);
    expect(s.record.findings[0]!.id).toBe(idOf('leak'));
    expect(s.record.findingIds).toHaveLength(MAX_FINDING_DETAILS + 201);
    // Re-delivery of an evicted finding is still recognised: ids are kept for all.
    expect(s.addFindings([finding('act-0', 'activity')], LATER)).toEqual([]);
  });

  it('exceptions: live until their expiry, then noticed exactly once', () => {
    const s = fresh();
    const request = s.openExceptionRequest({
      workflowId: 'identity/x',
      action: 'scope-down',
      for: '1d',
      termsHash: 'h',
      requestedBy: 'a@example.com',
      reason: 'r',
      openedAt: NOW,
      deadline: '2026-11-25T12:00:00.000Z',
      approvers: ['security'],
    });
    s.grantException(request, { by: 'b@example.com', reason: 'ok' }, 86_400_000, NOW);
    expect(s.record.exceptions[0]!.expiresAt).toBe('2026-11-21T12:00:00.000Z');
    expect(s.msToNextExpiry(NOW)).toBe(86_400_000);
    expect(s.expireExceptions(NOW)).toEqual([]);
    expect(s.expireExceptions('2026-11-21T12:00:00.000Z').map((e) => e.action)).toEqual(['scope-down']);
    expect(s.expireExceptions('2026-11-22T00:00:00.000Z')).toEqual([]);
    expect(s.msToNextExpiry('2026-11-22T00:00:00.000Z')).toBeUndefined();
  });
});

describe('exception requests received', () => {
  it('counts every request, refused at once included, and carries the count over continue-as-new', () => {
    const s = fresh();
    expect(s.exceptionRequestsReceived()).toBe(0);
    s.countExceptionRequest(); // refused at once: no number, no record entry
    expect(s.exceptionRequestsReceived()).toBe(1);
    expect(s.record.exceptionRequests).toEqual([]);
    expect(restoreRecord(carryRecord(s.record)).exceptionRequestsReceived).toBe(1);
  });

  it('a record from before the count starts from the requests it numbered', () => {
    const s = fresh();
    s.record.exceptionSeq = 3; // three opened, none counted
    expect(s.exceptionRequestsReceived()).toBe(3);
    s.countExceptionRequest();
    expect(s.exceptionRequestsReceived()).toBe(4);
  });
});

describe('continue-as-new carry', () => {
  it('round-trips the record (ids packed) and still reads records carried by the previous version', () => {
    const s = fresh();
    s.addFindings([finding('a'), finding('b', 'exposed-secret')], NOW);
    const carried = carryRecord(s.record);
    expect(carried).not.toHaveProperty('findingIds');
    expect(restoreRecord(JSON.parse(JSON.stringify(carried)))).toEqual(s.record);
    const { resolvedRefs: _, ...legacy } = s.record; // a plain IdentityRecord from before packing
    expect(restoreRecord(legacy as never)).toEqual(s.record);
  });

  it('20,000 findings carry in well under 2 MB (ids for the newest, details for the latest)', () => {
    const s = fresh();
    for (let batch = 0; batch < 40; batch++) {
      const findings = Array.from({ length: 500 }, (_, i) =>
        finding(`${batch}-${i}`, 'misconfiguration', {
          title: `S3 bucket policy allows public read ${'x'.repeat(120)}`,
        }),
      );
      s.addFindings(findings, NOW);
    }
    const bytes = Buffer.byteLength(JSON.stringify(carryRecord(s.record)));
    const unpacked = Buffer.byteLength(JSON.stringify(s.record));
    console.log(`carried state for 20,000 findings: ${bytes} bytes packed (${unpacked} with plain ids)`);
    expect(s.record.findingsTotal).toBe(20_000);
    expect(s.record.findingIds.length).toBeLessThanOrEqual(MAX_RECENT_IDS);
    expect(bytes).toBeLessThan(700_000); // 2 MB is Temporal's blob limit
  });
});

describe('scoringFindings (the assessment input)', () => {
  it('groups identical findings with a count and scores exactly as the full list', () => {
    const s = fresh();
    const many = [
      ...Array.from({ length: 150 }, (_, i) =>
        finding(`m-${i}`, 'misconfiguration', { title: 'public bucket' }),
      ),
      ...Array.from({ length: 5 }, (_, i) =>
        finding(`c-${i}`, 'compromise-indicator', {
          title: `ioc ${i}`,
          severity: { label: 'high', score: 60 + i },
        }),
      ),
      ...Array.from({ length: 100 }, (_, i) => finding(`a-${i}`, 'activity', { title: `call ${i}` })),
      finding('leak', 'exposed-secret', { title: 'key in repo', evidence: { public: true } }),
    ];
    s.addFindings(many, NOW);
    const open = s.openFindings();
    const compact = scoringFindings(open);
    expect(compact.length).toBe(1 + 5 + 1); // 150 alike → 1, 5 distinct, 100 activity → 0, the leak
    expect(compact.find((f) => f.kind === 'misconfiguration')?.count).toBe(150);
    expect(JSON.stringify(compact).length).toBeLessThan(2_000);

    const policy = { weights: DEFAULT_WEIGHTS, hygiene: DEFAULT_HYGIENE };
    const full = scoreIdentity({ key: identity.key, type: identity.type, findings: open }, policy);
    const fromCompact = scoreIdentity(
      { key: identity.key, type: identity.type, findings: expandFindings(compact) },
      policy,
    );
    expect(fromCompact).toEqual(full);
  });
});

describe('claims', () => {
  it("a finding's owner is kept as a claim, never as the identity's owner", () => {
    const key = {
      key: 'aws:access-key:AKIAIOSFODNN7EXAMPLE',
      type: 'aws-access-key' as const,
      provider: 'aws' as const,
      aliases: [],
      owner: 'arn:aws:iam::123456789012:user/victim',
    };
    const state = new IdentityState(emptyRecord(key));
    state.learn({ ...key, owner: 'arn:aws:iam::123456789012:user/other' });
    expect(state.record.identity.owner).toBeUndefined();
    expect(state.record.claims?.owners).toEqual([
      'arn:aws:iam::123456789012:user/victim',
      'arn:aws:iam::123456789012:user/other',
    ]);
  });
});
