// `nhi ingest`'s split: one message per record, keyed by the identity it names (one identity, one partition,
// in order); records that fail the local check are still sent, with the reason, so the DLQ gets them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { notableTraffic } from '../../../bench/traffic.ts';
import { processBatch } from '../../../consumers/findings-consumer.ts';
import { splitRecords } from '../../../consumers/split-records.ts';
import { fakePayload, fakeProducer, kafkaMessage } from './fakes.ts';

describe('splitRecords', () => {
  it('keys each record by the identity it names', () => {
    const traffic = notableTraffic(6, 3);
    const lines = traffic.messages.map((m) => m.value as string).join('\n');
    const out = splitRecords(Buffer.from(lines), 'auto', 'k');
    expect(out).toHaveLength(6);
    expect(out.map((r) => r.key)).toEqual(traffic.messages.map((m) => m.key));
    expect(out.every((r) => r.format === 'splunk-notable' && !r.problem)).toBe(true);
  });

  it('a Sentinel incident with no entities is sent unkeyed and marked as naming no identity', () => {
    const incident = readFileSync('test/fixtures/sentinel/incident-rest-get.json');
    const [record, ...rest] = splitRecords(incident, 'auto', 'k');
    expect(rest).toHaveLength(0);
    expect(record).toMatchObject({ format: 'sentinel', noIdentity: true });
    expect(record!.key).toBeUndefined();
    expect(record!.problem).toBeUndefined();
    expect(
      splitRecords(Buffer.from(notableTraffic(1, 1).messages[0]!.value as string), 'auto', 'k')[0]!
        .noIdentity,
    ).toBeUndefined();
  });

  it('an unreadable line is sent as it is, with the reason', () => {
    const good = notableTraffic(1, 1).messages[0]!.value as string;
    const out = splitRecords(Buffer.from(`${good}\n{"broken": \n${good}`), 'auto', 'k');
    expect(out).toHaveLength(3);
    expect(out[1]).toMatchObject({ value: '{"broken": ', problem: expect.any(String) });
    expect(out[1]!.key).toBeUndefined();
  });

  it('a line that is not UTF-8 goes as its exact bytes (never re-encoded); its neighbours as usual', () => {
    const traffic = notableTraffic(2, 2);
    const bad = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xe9, 0x22, 0x7d]); // {"a":"\xff\xfe\xe9"}
    const file = Buffer.concat([
      Buffer.from(`${traffic.messages[0]!.value}\r\n`),
      bad,
      Buffer.from(`\n${traffic.messages[1]!.value}\n`),
    ]);
    const out = splitRecords(file, 'auto', 'k');
    expect(out).toHaveLength(3);
    expect(out.map((r) => r.line)).toEqual([1, 2, 3]);
    expect(Buffer.isBuffer(out[1]!.value) && out[1]!.value.equals(bad)).toBe(true);
    expect(out[1]!.problem).toMatch(/^line 2: input is not valid UTF-8/);
    expect(out[0]).toMatchObject({
      format: 'splunk-notable',
      key: traffic.messages[0]!.key,
      problem: undefined,
    });
    expect(out[2]).toMatchObject({
      format: 'splunk-notable',
      key: traffic.messages[1]!.key,
      problem: undefined,
    });
  });

  it('names each record by line and position in its document', () => {
    const good = JSON.parse(notableTraffic(1, 1).messages[0]!.value as string);
    const out = splitRecords(Buffer.from(JSON.stringify([good, good, good])), 'splunk-notable', 'k');
    expect(out.map((r) => [r.line, r.record])).toEqual([
      [1, 0],
      [1, 1],
      [1, 2],
    ]);
  });

  it('the consumer names the ingest-time reason in the dead letter', async () => {
    const { producer, sent } = fakeProducer();
    const fake = fakePayload('findings.siem', 0, [
      kafkaMessage(0, '{"broken": ', { 'ingest-problem': 'line 2: bad' }),
    ]);
    await processBatch({ consumer: undefined as never, producer, signal: async () => {} }, fake.payload);
    expect((sent[0]!.messages[0]!.headers as Record<string, string>).reason).toMatch(
      /\(nhi ingest: line 2: bad\)$/,
    );
  });
});
