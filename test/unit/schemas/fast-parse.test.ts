// The compiled input check (schemas/adapters/fast-parse.ts) answers as zod does: on every record of every fixture
// and corpus file, and on records mutated anywhere (wrong types, missing fields), each adapter's schema passes
// exactly what zod passes and returns the same value, key for key, in the same order, with the same keys absent.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fastParse, watchFastParse } from '../../../schemas/adapters/fast-parse.ts';
import { Finding, FORMATS, type FormatOrAuto } from '../../../schemas/finding.ts';
import { normalizeInput } from '../../../schemas/normalize.ts';
import { corpusAvailable, corpusDir, fixturesDir } from '../../support/corpus.ts';
import { replaceAtPath } from '../../support/json-mutation.ts';

/** A value written out with its key order and its keys whose value is undefined (JSON.stringify drops them). */
function exact(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `[${value.map(exact).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .map((k) => `${JSON.stringify(k)}:${exact((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? String(value);
}

let compared = 0;
let refused = 0;
/** Differences found (collected, not thrown: the normaliser would turn a throw into a refusal and go on). */
const differences: string[] = [];
watchFastParse((schema, record, fast) => {
  const zod = schema.safeParse(record);
  compared++;
  if (!zod.success) refused++;
  if ((fast !== undefined) !== zod.success)
    differences.push(`${zod.success ? 'refused' : 'passed'} what zod ${zod.success ? 'passes' : 'refuses'}`);
  else if (fast && zod.success && exact(fast.data) !== exact(zod.data))
    differences.push(`${exact(fast.data).slice(0, 300)} ≠ ${exact(zod.data).slice(0, 300)}`);
});
afterAll(() => watchFastParse(undefined));

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path);
    return /\.(json|jsonl|ndjson|sarif|js)$/.test(name) ? [path] : [];
  });
}

const inputs = [
  ...filesUnder(fixturesDir).filter((f) => !/[/\\](evidence[^/\\]*|histories)[/\\]/.test(f)),
  ...(corpusAvailable() ? filesUnder(corpusDir) : []),
].map((f) => readFileSync(f));

/** The first document of each input, for mutating. */
const docs = inputs.flatMap((b) => {
  const text = b.toString('utf8');
  try {
    return [JSON.parse(text) as unknown];
  } catch {
    const first = text.split('\n').find((l) => l.trim());
    try {
      return [JSON.parse(first ?? 'null') as unknown];
    } catch {
      return [];
    }
  }
});

describe('compiled input check', () => {
  it('answers as zod on every fixture and corpus record', () => {
    for (const input of inputs) normalizeInput(input, { fingerprintKey: 'k' });
    expect(compared).toBeGreaterThan(200);
    expect(differences).toEqual([]);
  });

  it('answers as zod on records mutated anywhere', () => {
    const before = refused;
    const replacement = fc.oneof(
      fc.constant(null),
      fc.constant(undefined),
      fc.integer(),
      fc.double(),
      fc.string(),
      fc.boolean(),
      fc.constant([]),
      fc.constant({}),
      fc.constant({ __proto__: 1 }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...docs),
        fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
        replacement,
        fc.constantFrom<FormatOrAuto>('auto', ...FORMATS),
        (doc, path, value, format) => {
          normalizeInput(JSON.stringify(replaceAtPath(doc, path, value)) ?? 'null', {
            format,
            fingerprintKey: 'k',
          });
        },
      ),
      { numRuns: 3000 },
    );
    expect(differences).toEqual([]);
    // The mutations did reach the refusing side too.
    expect(refused).toBeGreaterThan(before);
  });

  it('answers as zod on the Finding schema (the output check) for real findings and findings mutated anywhere', () => {
    const findings = inputs.flatMap((input) =>
      normalizeInput(input, { fingerprintKey: 'k' }).flatMap((o) => (o.ok ? o.findings : [])),
    );
    expect(findings.length).toBeGreaterThan(100);
    const check = (f: unknown) => {
      const zod = Finding.safeParse(f);
      const fast = fastParse(Finding, f);
      if ((fast !== undefined) !== zod.success) return `${exact(f).slice(0, 400)}: zod ${zod.success}`;
      if (fast && zod.success && exact(fast.data) !== exact(zod.data)) return exact(f).slice(0, 400);
      return undefined;
    };
    expect(findings.map(check).filter(Boolean)).toEqual([]);
    const replacement = fc.oneof(
      fc.constant(null),
      fc.constant(undefined),
      fc.integer({ min: -5, max: 200 }),
      fc.double(),
      fc.string(),
      fc.constantFrom(
        '',
        'x',
        'f_0123',
        `f_${'a'.repeat(32)}`,
        `ck_${'b'.repeat(32)}`,
        '2024-01-01T00:00:00Z',
      ),
      fc.constantFrom(
        'open',
        'passed',
        'aws-iam-user',
        'exposed-secret',
        'critical',
        'a'.repeat(64),
        'x'.repeat(501),
      ),
      fc.boolean(),
      fc.constant([]),
      fc.constant({}),
    );
    const bad: string[] = [];
    fc.assert(
      fc.property(
        fc.constantFrom(...findings),
        fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
        replacement,
        (f, path, value) => {
          const problem = check(replaceAtPath(f, path, value));
          if (problem) bad.push(problem);
        },
      ),
      { numRuns: 5000 },
    );
    expect(bad).toEqual([]);
  });

  it('keeps zod’s rules for absent, null and undefined keys, unknown keys and unions', () => {
    const opt = z
      .string()
      .nullish()
      .transform((v) => v ?? undefined);
    const schema = z.object({
      a: opt,
      b: z.string().optional(),
      c: z.number().nullable(),
      d: z.union([z.number(), z.string()]).nullish(),
      e: z.array(z.object({ x: z.boolean() })).nullish(),
      f: z.looseObject({ y: z.literal('y') }).optional(),
      g: z.string().min(1).optional(),
      h: z.unknown(),
    });
    const cases: unknown[] = [
      { c: null },
      { a: null, c: 1 },
      { a: undefined, b: undefined, c: 2, h: undefined },
      { c: 1, d: 'x', e: [{ x: true, z: 1 }], f: { y: 'y', extra: [1] }, g: 'g', h: { k: 1 } },
      { c: 1, e: [{ x: 1 }] },
      { c: 1, f: { y: 'n' } },
      { c: 1, g: '' },
      { c: Number.POSITIVE_INFINITY },
      {},
      [],
      null,
      'x',
      JSON.parse('{"c":1,"__proto__":{"a":"p"},"f":{"y":"y","__proto__":{"q":1}}}'),
    ];
    for (const c of cases) {
      const zod = schema.safeParse(c);
      const fast = fastParse(schema, c);
      expect(fast !== undefined, JSON.stringify(c)).toBe(zod.success);
      if (fast && zod.success) expect(exact(fast.data)).toBe(exact(zod.data));
    }
  });
});
