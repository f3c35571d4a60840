// One signal per identity per step; a finding naming two identities goes to both; large deliveries are chunked.
import { describe, expect, it } from 'vitest';
import { notableTraffic } from '../../../bench/traffic.ts';
import { decodeMessage } from '../../../consumers/decode-message.ts';
import { chunkBySize, groupByIdentity } from '../../../consumers/group-by-identity.ts';
import type { Finding } from '../../../schemas/finding.ts';

const findingsOf = (count: number, identities: number) =>
  notableTraffic(count, identities).messages.flatMap((m) => {
    const d = decodeMessage(Buffer.from(m.value as string), 'splunk-notable', 'k');
    return d.ok ? d.findings : [];
  });

describe('groupByIdentity', () => {
  it('groups by identity key, keeping arrival order within each identity', () => {
    const findings = findingsOf(50, 5);
    const groups = groupByIdentity(findings);
    expect(groups).toHaveLength(5);
    expect(groups.reduce((n, g) => n + g.findings.length, 0)).toBe(50);
    for (const g of groups) {
      const expected = findings.filter((f) => f.identities.some((i) => i.key === g.identity.key));
      expect(g.findings).toEqual(expected);
    }
  });

  it('a finding naming a key and its owner belongs to both, once each', () => {
    const value = JSON.stringify({
      result: {
        _time: '2026-01-01T00:00:00Z',
        _raw: '1767225600, search_name="Identity - AWS Access Key Used From New Country - Rule", user="arn:aws:iam::123456789012:user/svc", access_key_id="AKIAEXAMPLEBACKUP001", event_id="e-1"',
      },
    });
    const d = decodeMessage(Buffer.from(value), 'splunk-notable', 'k');
    expect(d.ok).toBe(true);
    const f = (d as { findings: Finding[] }).findings[0]!;
    expect(f.identities.length).toBe(2);
    const groups = groupByIdentity([f, f]);
    expect(groups.map((g) => g.findings.length)).toEqual([1, 1]);
  });

  it('no findings, no groups', () => {
    expect(groupByIdentity([])).toEqual([]);
  });
});

describe('chunkBySize', () => {
  it('splits by serialised size, in order, never leaving a chunk empty', () => {
    const findings = findingsOf(100, 1);
    const one = JSON.stringify(findings[0]).length;
    const chunks = chunkBySize(findings, one * 10);
    expect(chunks.length).toBeGreaterThanOrEqual(10);
    expect(chunks.flat()).toEqual(findings);
    expect(chunks.every((c) => c.length > 0)).toBe(true);
  });

  it('a single finding larger than the limit is a chunk of its own', () => {
    const findings = findingsOf(3, 1);
    expect(chunkBySize(findings, 1)).toEqual(findings.map((f) => [f]));
  });
});
