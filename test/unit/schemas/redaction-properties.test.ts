// Redaction under generated input (schemas/secret-shapes.ts): a secret planted anywhere in generated text, in
// every shape issue #22 named (followed by a path, in a URL's query or user info, quoted, base64-wrapped, cut by a
// JSON escape), is always masked; generated backtracking bait is scanned within a time bound (a hang guard, not a
// speed claim: `nhi bench redact` measures the growth). Also: a redacted identity key keeps a fingerprint.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clip } from '../../../schemas/adapters/siem-common.ts';
import { redactSecretShapes } from '../../../schemas/secret-shapes.ts';
import { canariesIn, makeCanaries } from '../../support/canaries.ts';
import { findingsOf } from '../../support/normalize.ts';

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/**
 * A random AWS-style secret key: 40 uniformly drawn base64 characters (no bias towards the first: a real key is
 * random, and "AAAA…A8AAk" is not one), mixing cases and digits, with a `/` inside for the escapes to cut.
 */
const awsKey = fc
  .noBias(fc.array(fc.constantFrom(...BASE64), { minLength: 40, maxLength: 40 }))
  .map((cs) => cs.join(''))
  .filter((k) => /[A-Z]/.test(k) && /[a-z]/.test(k) && /[0-9]/.test(k) && /\//.test(k.slice(1, 39)));

/** Every way issue #22 found a key written; each returns the text to plant. */
const WRAPS: Array<[string, (key: string) => string]> = [
  ['bare', (k) => k],
  ['followed by /', (k) => `${k}/backup/state`],
  ['in a URL query', (k) => `https://api.example.com/x?a=1&secret=${encodeURIComponent(k)}&b=2`],
  ['in a URL query, raw', (k) => `https://api.example.com/x?secret=${k}`],
  ['in URL user info', (k) => `https://AKIAIOSFODNN7EXAMPLE:${encodeURIComponent(k)}@host.example/p`],
  ['single-quoted', (k) => `'${k}'`],
  ['double-quoted', (k) => `"${k}"`],
  ['base64-wrapped', (k) => Buffer.from(`aws_secret_access_key=${k}`).toString('base64')],
  ['split by \\/', (k) => k.replaceAll('/', '\\/')],
  ['split by \\u002f', (k) => k.replaceAll('/', '\\u002f')],
  ['split by \\\\/ (escaped twice)', (k) => k.replaceAll('/', '\\\\/')],
];

/** Prose around the secret: words, punctuation, separators a log line or a description has. */
const prose = fc
  .array(
    fc.constantFrom(
      'user',
      'ci',
      'login',
      'from',
      '10.0.0.1',
      ':',
      '=',
      ',',
      ' ',
      '\n',
      'key:',
      '(',
      ')',
      '"',
    ),
    {
      maxLength: 12,
    },
  )
  .map((xs) => xs.join(' '));

describe('redaction properties', () => {
  it.each(WRAPS)('a key %s, anywhere in generated prose, is always masked', (_name, wrap) => {
    fc.assert(
      fc.property(prose, awsKey, prose, (before, key, after) => {
        const out = redactSecretShapes(`${before} ${wrap(key)} ${after}`);
        // The key, and for base64 the wrapping too (a URL around the key is not secret, its base64 is).
        const values: Record<string, string> = { key };
        if (_name === 'base64-wrapped') values.wrapped = wrap(key);
        const canaries = { values, prose: '' };
        expect(canariesIn(out, canaries)).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('every canary shape, planted at random places of generated text, is masked', () => {
    fc.assert(
      fc.property(fc.array(prose, { minLength: 1, maxLength: 6 }), fc.nat(), (parts, seed) => {
        const canaries = makeCanaries();
        const at = seed % (parts.length + 1);
        const text = [...parts.slice(0, at), canaries.prose, ...parts.slice(at)].join(' ');
        expect(canariesIn(redactSecretShapes(text), canaries)).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });

  it('generated backtracking bait up to 256 KB is scanned within a bound', () => {
    // Units that each pattern's quantifiers match and then fail after (the JWT header without a payload, a URL
    // user without a password, a base64 run one short of a key, a PEM header without a body…).
    const unit = fc.constantFrom(
      'eyJ-',
      'eyJa',
      'eyJa.',
      'a://b:',
      'x://',
      'sk-',
      'xoxb-',
      'ghp_',
      '-----BEGIN ',
      'aB3/',
      'ab\\/',
      '%2F',
      'A',
      '=',
    );
    fc.assert(
      fc.property(
        fc.array(unit, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1_000, max: 256_000 }),
        (units, size) => {
          const text = units.join('').repeat(Math.ceil(size / units.join('').length));
          const start = performance.now();
          redactSecretShapes(text);
          // Quadratic patterns took 4.5 s at 32 KB; a linear scan of 256 KB takes well under this bound.
          expect(performance.now() - start).toBeLessThan(3_000);
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);
});

describe('clip (SIEM evidence)', () => {
  it('a secret the cut would split is redacted whole; the cut keeps max characters', () => {
    const { values } = makeCanaries();
    const key = values.awsSecretAccessKey!;
    const text = `${'x '.repeat(95)}key=${key} ${'tail '.repeat(100_000)}`;
    const out = clip(text)!;
    expect(out).not.toContain(key.slice(0, 12));
    expect(out.startsWith('x x ')).toBe(true);
    expect(out.length).toBeLessThanOrEqual(201);
  });

  it('scans only the head it keeps: 400 KB of JWT bait is cut within a bound', () => {
    const start = performance.now();
    expect(clip('eyJ-'.repeat(100_000))!.length).toBe(201);
    expect(performance.now() - start).toBeLessThan(1_000);
  });
});

describe('a redacted identity key keeps a fingerprint of its own', () => {
  const notable = (user: string) =>
    JSON.stringify({
      result: {
        _time: '2024-05-01T10:00:00.000+00:00',
        search_name: 'Access - Excessive Failed Logins - Rule',
        rule_name: 'Excessive Failed Logins',
        user,
        urgency: 'high',
        event_id: `ev-${user.length}-${user.slice(-6)}`,
      },
    });
  const keysOf = (user: string) =>
    findingsOf(notable(user), { format: 'splunk-notable' }).flatMap((f) => f.identities.map((i) => i.key));

  it('two different tokens in the user field are two identities, the same token one, and neither is readable', () => {
    const a = `ghp_${'a1B2c3D4e5'.repeat(3)}abcdef`;
    const b = `ghp_${'z9Y8x7W6v5'.repeat(3)}uvwxyz`;
    const [ka, kb, ka2] = [keysOf(a), keysOf(b), keysOf(a)];
    expect(ka).toHaveLength(1);
    expect(ka[0]).toMatch(/\[REDACTED:[0-9a-f]{16}\]/);
    expect(ka[0]).not.toContain(a.slice(4, 16));
    expect(kb[0]).not.toBe(ka[0]);
    expect(ka2).toEqual(ka);
  });
});
