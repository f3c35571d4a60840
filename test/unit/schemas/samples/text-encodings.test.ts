// A report saved by a Windows shell is UTF-16LE with a byte-order mark (PowerShell 5's `>`), some editors add a
// UTF-8 mark: the same real trufflehog lines in each encoding give the same findings, in `nhi normalize`, the
// consumer (normalizeInput) and `nhi ingest` (splitRecords). Bytes that are not valid in their encoding are refused
// with a reason that names it, never replaced.
import { describe, expect, it } from 'vitest';
import { splitRecords } from '../../../../consumers/split-records.ts';
import { decodeText } from '../../../../schemas/parse-input.ts';
import { fixtureFile } from '../../../support/corpus.ts';
import { findingsOf, outcomesOf, TEST_FINGERPRINT_KEY } from '../../../support/normalize.ts';

const ORIGINAL = 'trufflehog/v3-git-and-filesystem.jsonl';
const ENCODED = [
  'trufflehog/v3-utf16le-bom.jsonl',
  'trufflehog/v3-utf16be-bom.jsonl',
  'trufflehog/v3-utf16le-no-bom.jsonl',
  'trufflehog/v3-utf8-bom.jsonl',
];

const idsOf = (bytes: Uint8Array) => findingsOf(bytes).map((f) => f.id);

describe('text encodings of a real trufflehog report', () => {
  const expected = idsOf(fixtureFile(ORIGINAL));

  it.each(ENCODED)('%s gives the findings of the UTF-8 original', (file) => {
    expect(expected).toHaveLength(2);
    expect(idsOf(fixtureFile(file))).toEqual(expected);
  });

  it.each(ENCODED)('%s is split by nhi ingest into the records of the UTF-8 original', (file) => {
    const records = (bytes: Uint8Array) =>
      splitRecords(bytes, 'auto', TEST_FINGERPRINT_KEY).map((r) => [r.key, r.value, r.problem]);
    expect(records(fixtureFile(file))).toEqual(records(fixtureFile(ORIGINAL)));
  });
});

describe('bytes that do not decode are refused with their encoding named', () => {
  const le = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);

  it('a lone surrogate in UTF-16LE', () => {
    const bytes = Buffer.concat([le('{"a":"'), Buffer.from([0x00, 0xd8]), Buffer.from('"}', 'utf16le')]);
    expect(outcomesOf(bytes)).toEqual([
      { ok: false, line: 0, record: 0, reason: 'input is not valid UTF-16LE (byte-order mark)' },
    ]);
  });

  it('an odd number of UTF-16BE bytes', () => {
    const bytes = Buffer.from([0xfe, 0xff, 0x00, 0x7b, 0x00, 0x7d, 0x00]);
    expect(() => decodeText(bytes)).toThrow(
      'input is not valid UTF-16BE (byte-order mark, an odd number of bytes)',
    );
  });

  it('UTF-32 (by its mark or its NULs) is named, not read', () => {
    const utf32le = Buffer.from([0xff, 0xfe, 0, 0, 0x7b, 0, 0, 0, 0x7d, 0, 0, 0]);
    expect(() => decodeText(utf32le)).toThrow(/^input is UTF-32 \(byte-order mark\): not read/);
    expect(() => decodeText(utf32le.subarray(4))).toThrow(/^input is UTF-32 \(no byte-order mark\)/);
  });

  it('invalid UTF-8 keeps its reason; an invalid UTF-8 line of a JSON-lines file is still refused alone', () => {
    expect(() => decodeText(Buffer.from([0x7b, 0xff, 0x7d]))).toThrow('input is not valid UTF-8');
    const lines = Buffer.concat([
      Buffer.from(`${fixtureFile(ORIGINAL).toString('utf8').split('\n')[0]}\n`),
      Buffer.from([0x7b, 0xff, 0x7d, 0x0a]),
    ]);
    const out = splitRecords(lines, 'auto', TEST_FINGERPRINT_KEY);
    expect(out.map((r) => r.problem)).toEqual([undefined, 'line 2: input is not valid UTF-8']);
  });

  it('a UTF-16 file that does not decode goes to the consumer whole, with the reason (no byte lines to split)', () => {
    const bytes = Buffer.concat([le('{"a":1}\r\n'), Buffer.from([0x00, 0xdc])]);
    expect(splitRecords(bytes, 'auto', TEST_FINGERPRINT_KEY)).toEqual([
      { value: bytes, problem: 'input is not valid UTF-16LE (byte-order mark)', line: 0, record: 0 },
    ]);
  });

  it('UTF-8 JSON is never read as UTF-16: a NUL byte is no valid JSON text', () => {
    expect(decodeText(Buffer.from('{"a":"\u00e9"}'))).toBe('{"a":"\u00e9"}');
    expect(decodeText(Buffer.from('[]'))).toBe('[]');
  });
});
