// Dead letters say why and where from, keep the original key, timestamp and headers, and never carry a value
// that may hold a secret in clear: such a value is sealed (recoverable with the DLQ key), decided by the detected
// format's source kind and by the content, never by the topic's name.
import { describe, expect, it } from 'vitest';
import { chunkForSend } from '../../../consumers/chunk-for-send.ts';
import { keepingOf, MAX_KEPT_BYTES, MAX_SCANNED_BYTES, toDlqMessage } from '../../../consumers/dlq.ts';
import { dlqKey, unseal } from '../../../consumers/dlq-seal.ts';
import { topics } from '../../../infra/endpoints.ts';
import { kafkaMessage } from './fakes.ts';

const NOW = new Date('2026-02-03T04:05:06.000Z');
const KEY = dlqKey({ NHI_DLQ_KEY: 'unit-test-dlq-key' });
const dead = (value: Buffer | string | null, format?: string, topic: string = topics.siem) => ({
  topic,
  partition: 3,
  message: kafkaMessage(42, value, { format: 'auto', 'x-trace': 't-1' }, 'some-key'),
  reason: 'unknown input shape',
  ...(format ? { format } : {}),
});
const headersOf = (m: { headers?: unknown }) => m.headers as Record<string, string>;

describe('toDlqMessage', () => {
  it('names the reason and the source, keeps key, timestamp, original headers and a harmless value', () => {
    const d = dead('{"hello":"world"}');
    const m = toDlqMessage(d, NOW, KEY);
    expect(m.headers).toMatchObject({
      reason: 'unknown input shape',
      'source-topic': topics.siem,
      'source-partition': '3',
      'source-offset': '42',
      'dead-lettered-at': '2026-02-03T04:05:06.000Z',
      'value-bytes': '17',
    });
    expect(String(headersOf(m)['original.format'])).toBe('auto');
    expect(String(headersOf(m)['original.x-trace'])).toBe('t-1');
    expect(headersOf(m)['value-sha256']).toMatch(/^[0-9a-f]{64}$/);
    expect(m.value?.toString()).toBe('{"hello":"world"}');
    expect(m.key?.toString()).toBe('some-key');
    expect(m.timestamp).toBe(d.message.timestamp);
  });

  const sealed: Array<[string, Buffer | string, string | undefined, RegExp]> = [
    ['any gitleaks output, on any topic', '{"a":1}', 'gitleaks', /secret scanner/],
    ['SARIF output on a renamed topic', '{"runs":[]}', 'sarif', /secret scanner/],
    ['a GitHub token', `ghp_${'a1B2'.repeat(9)}`, undefined, /may hold a secret/],
    ['a JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig', 'elastic-alert', /may hold a secret/],
    ['a private key', '-----BEGIN RSA PRIVATE KEY-----\nMIIE', 'asff', /may hold a secret/],
    ['a secret-named field', '{"password": "hunter22"}', 'ocsf', /may hold a secret/],
    [
      'an AWS secret access key',
      'k wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'splunk-notable',
      /may hold a secret/,
    ],
    ['binary', Buffer.from([0xff, 0xfe, 0xfd]), undefined, /not UTF-8/],
  ];
  it.each(sealed)('seals %s, and the DLQ key opens it', (_name, value, format, why) => {
    const m = toDlqMessage(dead(value, format, 'prod.findings.scanner'), NOW, KEY);
    const headers = headersOf(m);
    expect(headers['value-withheld']).toMatch(why);
    expect(headers['value-sealed']).toBe(`aes-256-gcm;key=${KEY.id}`);
    expect(headers['value-bytes']).toBe(String(Buffer.byteLength(value)));
    expect(m.value).not.toEqual(Buffer.from(value));
    expect(unseal(m.value as Buffer, KEY)).toEqual(Buffer.from(value));
    expect(() => unseal(m.value as Buffer, dlqKey({ NHI_DLQ_KEY: 'another key' }))).toThrow();
  });

  it('a CSPM value is kept in clear even on a topic named like the scanner topic', () => {
    expect(keepingOf('asff', Buffer.from('{"Title":"x"}'))).toEqual({ keep: 'clear' });
    expect(toDlqMessage(dead('{"Title":"x"}', 'asff', topics.scanner), NOW, KEY).value?.toString()).toBe(
      '{"Title":"x"}',
    );
  });

  it('an ARN (40+ characters of path) does not withhold a value', () => {
    const value = JSON.stringify({
      detail: {
        resource: 'arn:aws:iam::123456789012:role/service-role/AWSCodePipelineServiceRoleUsEast1Abcdef12',
        principal:
          'arn:aws:sts::123456789012:assumed-role/OrganizationAccountAccessRole/abcdEFGH1234ijkl5678',
      },
    });
    expect(keepingOf('guardduty', Buffer.from(value))).toEqual({ keep: 'clear' });
  });

  it('a value too large to keep is reduced to size and hash', () => {
    const m = toDlqMessage(dead(Buffer.alloc(MAX_KEPT_BYTES + 1, 0x61)), NOW, KEY);
    expect(m.value).toBeNull();
    expect(headersOf(m)['value-withheld']).toMatch(/larger than/);
    expect(headersOf(m)['value-sha256']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a single record of a message: its bytes, line and index', () => {
    const m = toDlqMessage(
      { ...dead('[{},{}]'), record: { value: Buffer.from('{}'), line: 1, index: 1 } },
      NOW,
      KEY,
    );
    expect(m.value?.toString()).toBe('{}');
    expect(m.headers).toMatchObject({ 'record-line': '1', 'record-index': '1', 'value-bytes': '2' });
  });

  it('empty and null values: nothing to withhold, no hash for null', () => {
    expect(toDlqMessage(dead(null), NOW, KEY)).toMatchObject({
      value: null,
      headers: { 'value-bytes': '0' },
    });
    expect(headersOf(toDlqMessage(dead(null), NOW, KEY))['value-sha256']).toBeUndefined();
    expect(keepingOf(undefined, Buffer.alloc(0))).toEqual({ keep: 'clear' });
  });

  it('clips a long reason and redacts credential shapes in it', () => {
    const m = toDlqMessage({ ...dead('x'), reason: 'r'.repeat(5_000) }, NOW, KEY);
    expect(headersOf(m).reason).toHaveLength(500);
    const token = `ghp_${'a1B2'.repeat(9)}`;
    expect(headersOf(toDlqMessage({ ...dead('x'), reason: `bad ${token}` }, NOW, KEY)).reason).toBe(
      'bad [REDACTED]',
    );
  });
});

describe('chunkForSend', () => {
  it('splits many large dead letters into sends under the limit, in order, none lost', () => {
    const messages = Array.from({ length: 40 }, (_, i) =>
      toDlqMessage(dead(Buffer.alloc(200 * 1024, 0x61 + (i % 26))), NOW, KEY),
    );
    const chunks = chunkForSend(messages, 900 * 1024);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.flat()).toEqual(messages);
    for (const c of chunks) {
      const bytes = c.reduce((n, m) => n + (m.value?.length ?? 0), 0);
      expect(bytes).toBeLessThanOrEqual(900 * 1024);
    }
  });

  it('a value that broke the time budget or threw is sealed without being scanned; so is any value over 16 KiB', () => {
    expect(keepingOf('asff', Buffer.from('{"Title":"x"}'), 'the message exceeded its time budget')).toEqual({
      keep: 'sealed',
      why: 'the message exceeded its time budget: not scanned for secrets',
    });
    expect(keepingOf('asff', Buffer.alloc(MAX_SCANNED_BYTES + 1, 0x61))).toMatchObject({
      keep: 'sealed',
      why: /larger than 16384 bytes: not scanned/,
    });
    expect(keepingOf('asff', Buffer.alloc(MAX_SCANNED_BYTES, 0x61))).toEqual({ keep: 'clear' });
  });

  it('never throws: when the dead letter cannot be built, the last resort keeps offset, size and reason', () => {
    const broken = dead('{"a":1}');
    Object.defineProperty(broken.message, 'headers', {
      get() {
        throw new Error('hostile headers');
      },
    });
    const m = toDlqMessage(broken, NOW, KEY);
    expect(m.value).toBeNull();
    expect(m.headers).toEqual({
      reason: 'unknown input shape',
      'source-topic': topics.siem,
      'source-partition': '3',
      'source-offset': '42',
      'dead-lettered-at': NOW.toISOString(),
      'value-bytes': '7',
      'value-withheld': 'the dead letter could not be built: hostile headers',
    });
    // Even a reason that cannot be printed.
    const worse = {
      ...dead(null),
      reason: {
        toString: () => {
          throw new Error('no');
        },
      } as unknown as string,
    };
    expect(toDlqMessage(worse, NOW, KEY).headers).toMatchObject({
      reason: 'reason withheld: it could not be checked for secrets',
    });
  });

  it('a reason is clipped to 500 characters before it is scanned', () => {
    const m = toDlqMessage({ ...dead('x'), reason: `bad ${'eyJ-'.repeat(100_000)}` }, NOW, KEY);
    expect(headersOf(m).reason!.length).toBeLessThanOrEqual(500);
  });
});
