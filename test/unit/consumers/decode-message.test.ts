// A Kafka message → canonical findings or one readable reason, whatever the bytes are.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { notableTraffic } from '../../../bench/traffic.ts';
import {
  decodeMessage,
  headerText,
  MAX_MESSAGE_BYTES,
  messageLimits,
  messageTime,
} from '../../../consumers/decode-message.ts';
import { parsePolicy } from '../../../schemas/policy.ts';

const KEY = 'test-key';
const good = () => Buffer.from(notableTraffic(1, 1).messages[0]!.value as string);

describe('decodeMessage', () => {
  it('decodes a good record with or without a format header', () => {
    for (const header of ['splunk-notable', undefined]) {
      const d = decodeMessage(good(), header, KEY);
      expect(d.ok).toBe(true);
      if (d.ok) expect(d.findings).toHaveLength(1);
    }
  });

  const hostile: Array<[string, Buffer | null, string | undefined, RegExp]> = [
    ['null value (tombstone)', null, undefined, /^empty message$/],
    ['empty value', Buffer.alloc(0), undefined, /^empty message$/],
    ['bad JSON', Buffer.from('{"result": {'), 'splunk-notable', /./],
    ['JSON of the wrong shape', Buffer.from('{"hello":"world"}'), undefined, /unknown input shape/],
    ['a bare number', Buffer.from('42'), undefined, /./],
    ['wrong shape for the named format', Buffer.from('{"RuleID": 5}'), 'gitleaks', /gitleaks/],
    ['binary', Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80, 0x81]), undefined, /./],
    [
      'unknown format header',
      good(),
      'definitely-not-a-format',
      /^unknown format header 'definitely-not-a-format'$/,
    ],
    [
      '5 MB value',
      Buffer.alloc(5 * 1024 * 1024, 0x61),
      undefined,
      /^message too large \(5242880 bytes > 1048576; policy limits.messageBytes\)$/,
    ],
  ];
  it.each(hostile)('%s → a one-line reason', (_name, value, header, reason) => {
    const d = decodeMessage(value, header, KEY);
    expect(d.ok).toBe(false);
    if (!d.ok) {
      expect(d.reason).toMatch(reason);
      expect(d.reason).not.toContain('\n');
    }
  });

  it('a message exactly at the limit is parsed, one byte more is refused unread', () => {
    const padded = Buffer.alloc(MAX_MESSAGE_BYTES, 0x20);
    good().copy(padded);
    expect(decodeMessage(padded, 'splunk-notable', KEY).ok).toBe(true);
    const over = Buffer.alloc(MAX_MESSAGE_BYTES + 1, 0x20);
    expect(decodeMessage(over, undefined, KEY)).toMatchObject({ ok: false, reason: /message too large/ });
  });

  it('two valid records and one invalid: the two are delivered, the bad one comes back alone with its index', () => {
    const fixture = JSON.parse(
      readFileSync(join(import.meta.dirname, '../../fixtures/gitleaks/gitleaks-v8-aws.json'), 'utf8'),
    ) as unknown[];
    const [a, b] = [fixture[0], { ...(fixture[0] as object), File: 'other/place.tfvars', StartLine: 9 }];
    const d = decodeMessage(Buffer.from(JSON.stringify([a, {}, b])), 'gitleaks', KEY);
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.findings).toHaveLength(2);
    expect(d.rejected).toHaveLength(1);
    expect(d.rejected[0]).toMatchObject({ line: 1, record: 1, format: 'gitleaks' });
    expect(d.rejected[0]!.value.toString()).toBe('{}');
    expect(d.rejected[0]!.reason).toMatch(/gitleaks/);
  });

  it('a bad line of a JSON-lines message is rejected alone, as its own text', () => {
    const lines = [good().toString(), '{"broken": ', good().toString()].join('\n');
    const d = decodeMessage(Buffer.from(lines), 'splunk-notable', KEY);
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.findings).toHaveLength(2);
    expect(d.rejected).toMatchObject([{ line: 2, record: 0 }]);
    expect(d.rejected[0]!.value.toString()).toBe('{"broken": ');
  });

  it('caps records, findings and identities per message, with a reason naming the limit', () => {
    const lines = Array.from({ length: 4 }, () => good().toString()).join('\n');
    const limits = (records: number, findings: number, identities: number) => ({
      ...messageLimits(undefined, {}),
      source: undefined,
      records,
      findings,
      identities,
    });
    expect(decodeMessage(Buffer.from(lines), undefined, KEY, limits(3, 10, 10))).toEqual({
      ok: false,
      reason: 'message exceeds the limit of 3 records (has 4; policy limits.recordsPerMessage)',
      cap: 'records',
    });
    expect(decodeMessage(Buffer.from(lines), undefined, KEY, limits(10, 3, 10))).toMatchObject({
      ok: false,
      reason: /limit of 3 findings \(has 4; policy limits.findingsPerMessage\)/,
    });
    expect(decodeMessage(Buffer.from(lines), undefined, KEY, limits(10, 10, 0))).toMatchObject({
      ok: false,
      reason: /limit of 0 identities .*policy limits.identitiesPerMessage/,
    });
    expect(decodeMessage(Buffer.from(lines), undefined, KEY, limits(4, 4, 4)).ok).toBe(true);
  });

  it("limits come from the policy's `limits` (defaults 5000/5000/500); NHI_MAX_*_PER_MESSAGE override one each", () => {
    const defaults = parsePolicy({ version: 1, rules: [] }).limits;
    expect(defaults).toEqual({
      recordsPerMessage: 5_000,
      findingsPerMessage: 5_000,
      identitiesPerMessage: 500,
      messageBytes: 1024 * 1024,
      nestingDepth: 64,
      keysPerObject: 10_000,
      stringChars: 256 * 1024,
      messageBudgetMs: 500,
    });
    expect(messageLimits(defaults, {})).toMatchObject({ records: 5_000, findings: 5_000, identities: 500 });
    const policy = parsePolicy({
      version: 1,
      rules: [],
      limits: { recordsPerMessage: 2, findingsPerMessage: 9, identitiesPerMessage: 4 },
    }).limits;
    const limits = messageLimits(policy, {
      NHI_MAX_FINDINGS_PER_MESSAGE: '3',
      NHI_MAX_IDENTITIES_PER_MESSAGE: 'x',
    });
    expect(limits).toMatchObject({ records: 2, findings: 3, identities: 4 });
    const lines = Array.from({ length: 3 }, () => good().toString()).join('\n');
    expect(decodeMessage(Buffer.from(lines), undefined, KEY, limits)).toEqual({
      ok: false,
      reason: 'message exceeds the limit of 2 records (has 3; policy limits.recordsPerMessage)',
      cap: 'records',
    });
    expect(() => parsePolicy({ version: 1, rules: [], limits: { recordsPerMessage: 0 } })).toThrow(
      /limits\.recordsPerMessage/,
    );
    expect(() => parsePolicy({ version: 1, rules: [], limits: { records: 5 } })).toThrow(/limits/);
  });

  it('stamps the message time on each finding as reportedAt', () => {
    const d = decodeMessage(good(), undefined, KEY, messageLimits(), messageTime('1764500000000'));
    expect(d.ok && d.findings.every((f) => f.reportedAt === '2025-11-30T10:53:20.000Z')).toBe(true);
    expect(messageTime(undefined)).toBeUndefined();
    expect(messageTime('-1')).toBeUndefined();
  });

  it('an empty report is no record and no problem', () => {
    expect(decodeMessage(Buffer.from('[]'), undefined, KEY)).toEqual({
      ok: true,
      findings: [],
      rejected: [],
    });
  });

  it('a hostile format header is clipped in the reason', () => {
    const d = decodeMessage(good(), 'x'.repeat(10_000), KEY);
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.reason.length).toBeLessThan(80);
  });

  it('a JSON-lines message with one record nested 6,000 levels deep: the good record goes on, the deep one is refused by depth', () => {
    // The attack of issue #22: JSON.stringify of the rejected record overflowed the stack and killed the consumer.
    const record = JSON.parse(
      readFileSync(
        join(import.meta.dirname, '..', '..', 'fixtures', 'gitleaks', 'gitleaks-v8-aws.json'),
        'utf8',
      ),
    )[0];
    const deep = `{"RuleID":${'{"a":'.repeat(6_000)}1${'}'.repeat(6_000)}}`;
    const d = decodeMessage(Buffer.from(`${JSON.stringify(record)}\n${deep}`), 'gitleaks', KEY);
    if (!d.ok) throw new Error(d.reason);
    expect(d.findings.length).toBeGreaterThan(0);
    expect(d.rejected).toHaveLength(1);
    expect(d.rejected[0]).toMatchObject({
      line: 2,
      reason: 'nested deeper than the limit of 64 levels (policy limits.nestingDepth)',
    });
    expect(d.rejected[0]!.value.toString()).toBe(deep);
  });

  it('structure and size limits come from the policy, each overridden by its variable', () => {
    const limits = messageLimits(parsePolicy({ version: 1, rules: [], limits: { nestingDepth: 3 } }).limits, {
      NHI_MAX_STRING_CHARS: '20',
      NHI_MAX_MESSAGE_BYTES: '5000',
      NHI_MESSAGE_BUDGET_MS: '250',
      NHI_MAX_KEYS_PER_OBJECT: '0',
    });
    expect(limits).toMatchObject({ depth: 3, stringChars: 20, bytes: 5_000, budgetMs: 250, keys: 10_000 });
    expect(decodeMessage(Buffer.from('{"a":{"b":{"c":{}}}}'), undefined, KEY, limits)).toMatchObject({
      ok: false,
      reason: 'nested deeper than the limit of 3 levels (policy limits.nestingDepth)',
    });
    expect(
      decodeMessage(Buffer.from(JSON.stringify({ a: 'x'.repeat(21) })), undefined, KEY, limits),
    ).toMatchObject({
      reason: 'a string of 21 characters exceeds the limit of 20 (NHI_MAX_STRING_CHARS)',
    });
    expect(decodeMessage(Buffer.alloc(5_001, 0x20), undefined, KEY, limits)).toMatchObject({
      reason: 'message too large (5001 bytes > 5000; NHI_MAX_MESSAGE_BYTES)',
    });
  });

  it('never throws: an exception anywhere in decoding is the reason, and a spent budget says so', () => {
    const boom = () => {
      throw new TypeError(`boom with ghp_${'aB3d'.repeat(9)} inside`);
    };
    const d = decodeMessage(good(), undefined, KEY, messageLimits(undefined, {}), undefined, boom);
    expect(d).toEqual({
      ok: false,
      reason: expect.stringMatching(/^decoding failed: boom with .*inside$/),
      hostile: 'exception',
    });
    if (!d.ok) expect(d.reason).not.toContain('aB3daB3d');
    expect(
      decodeMessage(good(), undefined, KEY, messageLimits(undefined, {}), undefined, () => true),
    ).toEqual({
      ok: false,
      reason: 'message exceeded its time budget of 500 ms (policy limits.messageBudgetMs)',
      hostile: 'budget',
      cap: 'budgetMs',
    });
  });

  it('headerText reads Buffer, string and array headers', () => {
    expect(headerText(Buffer.from('asff'))).toBe('asff');
    expect(headerText('ocsf')).toBe('ocsf');
    expect(headerText([Buffer.from('a'), 'b'])).toBe('a');
    expect(headerText(undefined)).toBeUndefined();
  });
});

describe('what the consumer hands on names the shape auto chose', () => {
  const fixture = (f: string) => readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', f));

  it("each finding's source.variant says which report mode the message was", () => {
    const cases: Array<[string, string | undefined, string]> = [
      ['asff/eventbridge-custom-action.json', undefined, 'asff/eventbridge-custom-action'],
      ['asff/get-findings-page.json', 'asff', 'asff/get-findings'],
      ['gitleaks/v7.5-report.json', undefined, 'gitleaks/v7'],
      ['trivy/k8s-cluster.json', 'trivy', 'trivy/k8s-cluster'],
      ['guardduty/eventbridge-via-sns.json', undefined, 'guardduty/eventbridge-via-sns'],
    ];
    for (const [file, header, variant] of cases) {
      const d = decodeMessage(fixture(file), header, KEY);
      if (!d.ok) throw new Error(`${file}: ${d.reason}`);
      expect(d.findings.length, file).toBeGreaterThan(0);
      expect(new Set(d.findings.map((f) => f.source.variant)), file).toEqual(new Set([variant]));
    }
  });
});
