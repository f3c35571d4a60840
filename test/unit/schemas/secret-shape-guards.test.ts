// The quick guards in front of the credential-shape regex may only skip strings the regex cannot match: `hint` is
// the same test as the regex it replaced, and `mayHoldShape` is false only where COMBINED finds nothing. Checked on
// random strings built from the pieces the shapes are made of (prefixes, separators, base64 runs, escapes).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMBINED, hint, mayHoldShape } from '../../../schemas/secret-shapes.ts';

const HINT_REGEX = /[A-Za-z0-9/+_-]{16}|PRIVATE KEY|:\/\/|\\|%[0-9a-fA-F]{2}/;

const piece = fc.constantFrom(
  'a',
  'Z',
  '7',
  '/',
  '+',
  '_',
  '-',
  '.',
  ':',
  '//',
  ' ',
  '\\',
  '%2F',
  '%g1',
  '%',
  '"',
  '@',
  '=',
  'é',
  '\u{1F600}',
  'ghp_',
  'gho',
  'github_pat_',
  'xoxb-',
  'https://',
  'hooks.slack.com/services/',
  'sk_live_',
  'rk_test_',
  'sk-',
  'sk-ant-',
  'AIza',
  'npm_',
  'SG.',
  'eyJ',
  '-----BEGIN',
  'PRIVATE KEY',
  '-----BEGIN RSA PRIVATE KEY-----',
  'AKIAIOSFODNN7EXAMPLE',
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  'abcdefghijklmnop',
  '0123456789ABCDEF',
);
/** A token's body: letters and digits, broken by `-`, `_` or `.` now and then (so it is rarely a 40-character run). */
const body = fc
  .array(fc.constantFrom('a', 'B', '3', 'x', 'Q', '9', '_', '-', '.'), { minLength: 8, maxLength: 60 })
  .map((chars) => chars.join(''));
/** Letters and digits only, shorter than an AWS key's run: the length a token's fixed-size body has. */
const alnum = fc
  .array(fc.constantFrom('a', 'B', '3', 'x', 'Q', '9'), { minLength: 8, maxLength: 39 })
  .map((chars) => chars.join(''));
const text = fc.array(fc.oneof(piece, body, alnum), { maxLength: 12 }).map((parts) => parts.join(''));

describe('credential-shape guards', () => {
  it('hint answers as the regex it replaced', () => {
    fc.assert(
      fc.property(text, (s) => {
        expect(hint(s)).toBe(HINT_REGEX.test(s));
      }),
      { numRuns: 20_000 },
    );
  });

  it('mayHoldShape is false only where no shape matches', () => {
    fc.assert(
      fc.property(text, (s) => {
        if (mayHoldShape(s)) return;
        const regex = new RegExp(COMBINED.source, 'g');
        expect(regex.exec(s)).toBeNull();
      }),
      { numRuns: 20_000 },
    );
  });

  it('lets through one example of every shape that holds no 40-character base64 run', () => {
    const pad = (n: number) => 'aB3x'.repeat(20).slice(0, n);
    const examples = [
      `-----BEGIN PRIVATE KEY-----\nMII${pad(30)}\n-----END PRIVATE KEY-----`,
      `token ghp_${pad(36)} end`,
      `github_pat_${pad(22)}_${pad(30)}`,
      `xoxb-${pad(12)}-${pad(12)}`,
      `https://hooks.slack.com/services/T0_${pad(20)}`,
      `sk_live_${pad(24)}`,
      `rk_test_${pad(24)}`,
      `AIza${pad(20)}_${pad(14)}`,
      `npm_${pad(36)}`,
      `SG.${pad(22)}.${pad(20)}-${pad(22)}`,
      `sk-ant-${pad(20)}-${pad(20)}`,
      `eyJ${pad(20)}.eyJ${pad(20)}.${pad(10)}`,
      'postgres://admin:hunter2hunter2@db.internal:5432/app',
    ];
    for (const example of examples) {
      expect(new RegExp(COMBINED.source, 'g').exec(example), example).not.toBeNull();
      expect(mayHoldShape(example), example).toBe(true);
    }
  });
});
