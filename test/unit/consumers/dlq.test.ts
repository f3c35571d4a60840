// Dead letters say why and where from, and never carry a value that may hold a secret.
import { describe, expect, it } from 'vitest';
import { toDlqMessage, withholdReason } from '../../../consumers/dlq.ts';
import { topics } from '../../../infra/endpoints.ts';
import { kafkaMessage } from './fakes.ts';

const NOW = new Date('2026-02-03T04:05:06.000Z');
const dead = (value: Buffer | string | null, topic: string = topics.siem) => ({
  topic,
  partition: 3,
  message: kafkaMessage(42, value, {}, 'some-key'),
  reason: 'unknown input shape',
});

describe('toDlqMessage', () => {
  it('names the reason and the source in headers and keeps a harmless value', () => {
    const m = toDlqMessage(dead('{"hello":"world"}'), NOW);
    expect(m.headers).toMatchObject({
      reason: 'unknown input shape',
      'source-topic': topics.siem,
      'source-partition': '3',
      'source-offset': '42',
      'dead-lettered-at': '2026-02-03T04:05:06.000Z',
      'value-bytes': '17',
    });
    expect((m.headers as Record<string, string>)['value-sha256']).toMatch(/^[0-9a-f]{64}$/);
    expect(m.value?.toString()).toBe('{"hello":"world"}');
    expect(m.key?.toString()).toBe('some-key');
  });

  const withheld: Array<[string, Buffer | string, string, RegExp]> = [
    ['anything from the scanner topic', '{"a":1}', topics.scanner, /scanner output/],
    ['an AWS access key id', 'key AKIAIOSFODNN7EXAMPLE here', topics.siem, /secret/],
    ['a GitHub token', `ghp_${'a'.repeat(36)}`, topics.cspm, /secret/],
    ['a JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig', topics.siem, /secret/],
    ['a private key', '-----BEGIN RSA PRIVATE KEY-----\nMIIE', topics.siem, /secret/],
    ['a secret-named field', '{"password": "hunter22"}', topics.siem, /secret/],
    ['a 40-char base64 run', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', topics.siem, /secret/],
    ['binary', Buffer.from([0xff, 0xfe, 0xfd]), topics.siem, /not UTF-8/],
    ['a 5 MB value', Buffer.alloc(5 * 1024 * 1024, 0x61), topics.siem, /larger than/],
  ];
  it.each(withheld)('withholds %s', (_name, value, topic, why) => {
    const m = toDlqMessage(dead(value, topic), NOW);
    expect(m.value).toBeNull();
    const headers = m.headers as Record<string, string>;
    expect(headers['value-withheld']).toMatch(why);
    expect(headers['value-bytes']).toBe(String(Buffer.byteLength(value)));
    expect(JSON.stringify(m)).not.toContain('AKIAIOSFODNN7EXAMPLE');
  });

  it('empty and null values: nothing to withhold, no hash for null', () => {
    expect(toDlqMessage(dead(null), NOW)).toMatchObject({ value: null, headers: { 'value-bytes': '0' } });
    expect((toDlqMessage(dead(null), NOW).headers as Record<string, string>)['value-sha256']).toBeUndefined();
    expect(withholdReason(topics.siem, Buffer.alloc(0))).toBeUndefined();
  });

  it('clips a long reason', () => {
    const m = toDlqMessage({ ...dead('x'), reason: 'r'.repeat(5_000) }, NOW);
    expect((m.headers as Record<string, string>).reason).toHaveLength(500);
  });
});
