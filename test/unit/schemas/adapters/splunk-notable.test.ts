import { describe, expect, it } from 'vitest';
import { parseStashRaw, splunkNotableAdapter } from '../../../../schemas/adapters/splunk-notable.ts';
import {
  corpusAvailable,
  corpusFile,
  fixtureFile,
  identifiersOf,
  readManifest,
} from '../../../support/corpus.ts';
import { findingsOf, outcomesOf } from '../../../support/normalize.ts';

const CORPUS = 'splunk-notable/elastic-integrations-splunk-notable-alerts.ndjson';

describe.runIf(corpusAvailable())('splunk-notable corpus: elastic-integrations notable alerts', () => {
  const input = corpusFile(CORPUS);
  const findings = findingsOf(input, { format: 'auto' });

  it('auto-detects splunk-notable for every line', () => {
    const outcomes = outcomesOf(input, { format: 'auto' });
    expect(outcomes.map((o) => o.format)).toEqual(['splunk-notable', 'splunk-notable']);
  });

  it('emits one finding per notable, with distinct ids although _bkt/_cd/_serial repeat', () => {
    expect(findings).toHaveLength(2);
    expect(new Set(findings.map((f) => f.id)).size).toBe(2);
  });

  it('reads the notable fields that exist only inside _raw', () => {
    const [logins, crowdstrike] = findings;
    expect(logins!.title).toBe('Access - Excessive Failed Logins - Rule');
    expect(logins!.kind).toBe('anomalous-use');
    expect(logins!.severity).toEqual({ label: 'medium', score: 50 }); // no urgency: medium, not dropped
    expect(logins!.identities).toEqual([]);
    expect(logins!.evidence).toMatchObject({ sourceIp: '89.160.20.112', count: '5', app: 'ssl-web' });
    expect(crowdstrike!.title).toBe('Threat - Crowdstrike - Detection Found - Rule');
    expect(crowdstrike!.kind).toBe('compromise-indicator');
    expect(crowdstrike!.severity).toEqual({ label: 'low', score: 30 }); // event.SeverityName="Low"
    expect(crowdstrike!.identities.map((i) => i.key)).toEqual(['principal:generic:keval.sabhani']);
    // Escaped backslashes in a quoted _raw value are unescaped once.
    expect(crowdstrike!.resources).toContainEqual({
      uid: '\\Device\\HarddiskVolume3\\Program Files\\Go\\bin\\go.exe',
      type: 'file',
      name: 'go.exe',
    });
    expect(findings.every((f) => f.status === 'open')).toBe(true);
  });

  it('takes _time with its +05:30 offset as the observation time', () => {
    expect(findings.map((f) => f.time)).toEqual(['2025-02-10T06:20:16.000Z', '2025-02-11T08:07:05.000Z']);
  });

  it('extracts every id the manifest names (src 89.160.20.112, keval.sabhani)', () => {
    const row = readManifest().find((r) => r.file === CORPUS)!;
    const ids = identifiersOf(findings);
    for (const id of ['89.160.20.112', 'keval.sabhani']) {
      expect(row.identities).toContain(id);
      expect(ids).toContain(id);
    }
  });
});

describe('splunk-notable fixture: REST export lines with AWS fields', () => {
  const findings = findingsOf(fixtureFile('splunk-notable/aws-notables-export.ndjson'), { format: 'auto' });

  it('unwraps {"result": …} export lines', () => {
    expect(findings).toHaveLength(2);
  });

  it('links the access key to the user ARN named in the same notable', () => {
    const [newCountry] = findings;
    expect(newCountry!.identities.map((i) => [i.key, i.owner])).toEqual([
      ['arn:aws:iam::210987654321:user/svc-backup', undefined],
      ['aws:access-key:AKIAEXAMPLEBACKUP001', 'arn:aws:iam::210987654321:user/svc-backup'],
    ]);
    expect(newCountry!.cloud).toEqual({ provider: 'aws', account: '210987654321' });
    expect(newCountry!.kind).toBe('anomalous-use');
    expect(newCountry!.severity).toEqual({ label: 'high', score: 75 });
    expect(newCountry!.status).toBe('resolved'); // status 5 / Closed
    expect(newCountry!.references).toContainEqual({ kind: 'technique', id: 'T1078.004' });
    expect(newCountry!.source.nativeId).toBe(
      'A1B2C3D4-0000-4000-8000-123456789ABC@@notable@@0f0e0d0c0b0a09080706050403020100',
    );
  });

  it('resolves assumed-role sessions to their role and reads epoch-second _time strings', () => {
    const leaked = findings[1]!;
    expect(leaked.kind).toBe('exposed-secret');
    expect(leaked.severity.label).toBe('critical');
    expect(leaked.time).toBe('2025-03-05T09:48:10.000Z');
    expect(leaked.identities.map((i) => i.key)).toEqual([
      'arn:aws:iam::210987654321:role/github-actions',
      'principal:generic:ci-bot',
    ]);
    expect(leaked.identities[0]!.aliases).toEqual([
      'arn:aws:sts::210987654321:assumed-role/github-actions/run-4417',
    ]);
  });
});

describe('splunk-notable edge cases', () => {
  const base = {
    _raw: '1739168412, search_name="Access - Brute Force - Rule", user="svc-etl", urgency="high"',
    _time: '2025-02-10T11:50:16.000+05:30',
    index: 'notable',
  };

  it('parses quoted, unquoted, escaped and repeated _raw pairs', () => {
    const kv = parseStashRaw(
      '02/21/2025 14:26:56 +0000, a=1, b="x, y", c="say \\"hi\\"", t="one", t="two", p="C:\\\\tmp"',
    );
    expect(kv.get('a')).toEqual(['1']);
    expect(kv.get('b')).toEqual(['x, y']);
    expect(kv.get('c')).toEqual(['say "hi"']);
    expect(kv.get('t')).toEqual(['one', 'two']);
    expect(kv.get('p')).toEqual(['C:\\tmp']);
  });

  it('wrong types are a typed rejection with a readable reason', () => {
    const [outcome] = outcomesOf(JSON.stringify({ ...base, _raw: 42 }), { format: 'splunk-notable' });
    expect(outcome).toMatchObject({ ok: false, format: 'splunk-notable' });
    expect(outcome!.ok ? '' : outcome!.reason).toMatch(
      /^not a valid splunk notable record: _raw: .*expected string/,
    );
    const [noTime] = outcomesOf(JSON.stringify({ _raw: 'search_name="x"', index: 'notable' }), {
      format: 'splunk-notable',
    });
    expect(noTime!.ok ? '' : noTime!.reason).toMatch(/no usable timestamp/);
  });

  it('tolerates unknown extra fields and lets top-level fields win over _raw', () => {
    const [f] = findingsOf(JSON.stringify({ ...base, urgency: 'low', brand_new_field: { nested: [1, 2] } }), {
      format: 'auto',
    });
    expect(f!.severity.label).toBe('low');
    expect(f!.identities.map((i) => i.key)).toEqual(['principal:generic:svc-etl']);
  });

  it('the same record always gives the same id', () => {
    const a = findingsOf(JSON.stringify(base));
    const b = findingsOf(JSON.stringify(base));
    expect(a[0]!.id).toBe(b[0]!.id);
  });

  it('does not claim other SIEM shapes or plain search results', () => {
    expect(splunkNotableAdapter.detect({ kind: 'SecurityAlert', properties: {} })).toBe(false);
    expect(splunkNotableAdapter.detect({ 'kibana.alert.rule.name': 'x', _raw: 'x' })).toBe(false);
    expect(
      splunkNotableAdapter.detect({
        result: { _raw: 'field1=test', _time: '2025-02-21T14:26:56.000+00:00', index: 'main' },
      }),
    ).toBe(false);
    expect(splunkNotableAdapter.detect(null)).toBe(false);
  });
});
