// A Kafka message → canonical findings or one readable reason, whatever the bytes are.
import { describe, expect, it } from 'vitest';
import { notableTraffic } from '../../../bench/traffic.ts';
import { decodeMessage, headerText, MAX_MESSAGE_BYTES } from '../../../consumers/decode-message.ts';

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
      /^message too large \(5242880 bytes > 1048576\)$/,
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

  it('a hostile format header is clipped in the reason', () => {
    const d = decodeMessage(good(), 'x'.repeat(10_000), KEY);
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.reason.length).toBeLessThan(80);
  });

  it('headerText reads Buffer, string and array headers', () => {
    expect(headerText(Buffer.from('asff'))).toBe('asff');
    expect(headerText('ocsf')).toBe('ocsf');
    expect(headerText([Buffer.from('a'), 'b'])).toBe('a');
    expect(headerText(undefined)).toBeUndefined();
  });
});
