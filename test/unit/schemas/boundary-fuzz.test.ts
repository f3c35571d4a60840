// Random and mutated inputs never throw out of the normaliser: every record ends as valid findings or a typed
// rejection with a readable reason. Valid means the full Finding schema, checked here on every finding: at run
// time the normaliser checks the full schema on a sample only (schemas/output-check.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Finding, FORMATS, type FormatOrAuto } from '../../../schemas/finding.ts';
import { normalizeInput, type RecordOutcome } from '../../../schemas/normalize.ts';
import { corpusAvailable, corpusFile, readManifest } from '../../support/corpus.ts';
import { replaceAtPath } from '../../support/json-mutation.ts';

const formats: FormatOrAuto[] = ['auto', ...FORMATS];

function expectTyped(outcomes: RecordOutcome[]): void {
  for (const o of outcomes) {
    if (o.ok) {
      expect(Array.isArray(o.findings)).toBe(true);
      for (const f of o.findings) expect(Finding.safeParse(f).error?.issues ?? []).toEqual([]);
    } else {
      expect(typeof o.reason).toBe('string');
      expect(o.reason.length).toBeGreaterThan(0);
      expect(o.reason).not.toContain('\n');
    }
  }
}

const run = (input: string | Uint8Array, format: FormatOrAuto) => {
  const outcomes = normalizeInput(input, { format, fingerprintKey: 'k' });
  expectTyped(outcomes);
  return outcomes;
};

describe('normaliser boundary under hostile input', () => {
  it('random JSON values, every format', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom(...formats), (value, format) => {
        run(JSON.stringify(value), format);
      }),
      { numRuns: 400 },
    );
  });

  it('random bytes, including invalid UTF-8', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(...formats), (bytes, format) => {
        run(bytes, format);
      }),
      { numRuns: 200 },
    );
    const outcomes = run(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 'auto');
    expect(outcomes[0]).toMatchObject({ ok: false, reason: 'input is not valid UTF-8' });
  });

  it('deep nesting, huge strings and __proto__ keys', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    for (const format of formats) run(deep, format);
    const huge = JSON.stringify({
      Findings: [{ SchemaVersion: '2018-10-08', Title: 'x'.repeat(5_000_000) }],
    });
    for (const format of formats) run(huge, format);
    const proto =
      '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"Findings":[{"__proto__":{"x":1}}]}';
    for (const format of formats) run(proto, format);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.runIf(corpusAvailable())('mutated corpus records: wrong types and missing fields anywhere', () => {
    const docs = readManifest().map((r) => {
      try {
        return JSON.parse(corpusFile(r.file).toString('utf8')) as unknown;
      } catch {
        const first = corpusFile(r.file)
          .toString('utf8')
          .split('\n')
          .find((l) => l.trim());
        return JSON.parse(first ?? 'null') as unknown;
      }
    });
    const replacement = fc.oneof(
      fc.constant(null),
      fc.constant(undefined),
      fc.integer(),
      fc.double(),
      fc.string(),
      fc.boolean(),
      fc.constant([]),
      fc.constant({}),
      fc.constant('x'.repeat(100_000)),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...docs),
        fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
        replacement,
        fc.constantFrom<FormatOrAuto>('auto', ...FORMATS),
        (doc, path, value, format) => {
          run(JSON.stringify(replaceAtPath(doc, path, value)) ?? 'null', format);
        },
      ),
      { numRuns: 1500 },
    );
  });
});
