// One identity with 1,000,000 findings: the record stays bounded. What continue-as-new carries stays under 256 KB,
// the identity query's answer under 1 MB, open findings are kept in full up to the cap (before resolved ones and
// plain activity), and everything else is counted.
import { describe, expect, it } from 'vitest';
import type { Finding, FindingKind } from '../../../schemas/finding.ts';
import type { IdentityRef } from '../../../schemas/identity.ts';
import {
  carryRecord,
  emptyRecord,
  IdentityState,
  MAX_FINDING_DETAILS,
  MAX_RECENT_IDS,
  restoreRecord,
} from '../../../workflows/identity/state.ts';

const identity: IdentityRef = {
  key: 'arn:aws:iam::123456789012:role/busy-deployer',
  type: 'aws-role',
  provider: 'aws',
  account: '123456789012',
  aliases: [],
};
const KINDS: FindingKind[] = [
  'activity',
  'anomalous-use',
  'misconfiguration',
  'activity',
  'excess-privilege',
];

function finding(n: number): Finding {
  const kind = KINDS[n % KINDS.length]!;
  return {
    schemaVersion: 1,
    id: `f_${n.toString(16).padStart(32, '0')}`,
    source: {
      format: kind === 'activity' ? 'cloudtrail' : 'wiz',
      product: 'p',
      vendor: 'v',
      nativeId: `n-${n}`,
    },
    kind,
    status: n % 7 === 0 ? 'resolved' : 'open',
    // Long titles: the worst case for the details kept.
    title: `${kind} finding number ${n} on the busy deployer role ${'x'.repeat(150)}`,
    severity: { label: 'medium', score: 40 + (n % 50) },
    time: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString(),
    identities: [identity],
    resources: [],
    references: [],
    evidence: {},
  };
}

describe('identity state at 1,000,000 findings', () => {
  it('carries under 256 KB and answers the query under 1 MB', () => {
    let state = new IdentityState(emptyRecord(identity));
    const perSignal = 2_000;
    let maxCarried = 0;
    let maxQuery = 0;
    for (let start = 0; start < 1_000_000; start += perSignal) {
      const batch = Array.from({ length: perSignal }, (_, i) => finding(start + i));
      state.addFindings(batch, new Date(Date.UTC(2026, 0, 2) + start).toISOString());
      // Continue-as-new every 50 signals, as the workflow does on history length: carried, then restored.
      if ((start / perSignal) % 50 === 49) {
        const carried = JSON.stringify(carryRecord(state.record));
        maxCarried = Math.max(maxCarried, Buffer.byteLength(carried));
        state = new IdentityState(restoreRecord(JSON.parse(carried)));
      }
      if ((start / perSignal) % 100 === 0)
        maxQuery = Math.max(maxQuery, Buffer.byteLength(JSON.stringify(state.record)));
    }
    const carried = Buffer.byteLength(JSON.stringify(carryRecord(state.record)));
    const query = Buffer.byteLength(JSON.stringify(state.record));
    console.log(
      `1,000,000 findings on one identity: carried ${carried} bytes (max ${maxCarried}), query ${query} bytes (max ${maxQuery})`,
    );
    expect(state.record.findingsTotal).toBe(1_000_000);
    expect(Math.max(carried, maxCarried)).toBeLessThan(256 * 1024);
    expect(Math.max(query, maxQuery)).toBeLessThan(1024 * 1024);
    expect(state.record.findingIds.length).toBeLessThanOrEqual(MAX_RECENT_IDS);
    expect(state.record.findings.length).toBeLessThanOrEqual(MAX_FINDING_DETAILS);
    // Details kept are open and not plain activity (they go first); what was dropped is counted.
    expect(state.record.findings.every((f) => f.status === 'open' && f.kind !== 'activity')).toBe(true);
    const forgotten = state.record.forgotten!;
    expect(forgotten.open + forgotten.resolved + state.record.findings.length).toBe(1_000_000);
    expect(Object.values(state.record.countsByKind).reduce((a, b) => a + (b ?? 0), 0)).toBe(1_000_000);
    // A recent finding delivered again is still recognised.
    expect(state.addFindings([finding(999_999)], '2026-02-01T00:00:00.000Z')).toEqual([]);
  }, 120_000);
});
