// Property-based: every adapter, the normaliser's entry point and the consumer's decode → dead-letter path, driven
// with generated input (arbitrary JSON and bytes, each adapter's own fixtures with values of the wrong type put
// anywhere, hostile shapes), never throw and each call ends within a generous time bound (a hang guard, not a
// speed claim: speed is measured by `nhi bench normalize`).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMessage, messageLimits } from '../../../consumers/decode-message.ts';
import { toDlqMessage } from '../../../consumers/dlq.ts';
import { dlqKey } from '../../../consumers/dlq-seal.ts';
import { adapters } from '../../../schemas/adapters/index.ts';
import type { Format } from '../../../schemas/finding.ts';
import { normalizeInput, normalizeWith } from '../../../schemas/normalize.ts';
import { decodeText } from '../../../schemas/parse-input.ts';
import { replaceAtPath } from '../../support/json-mutation.ts';
import { kafkaMessage } from './fakes.ts';

const KEY = 'property-key';
const DLQ = dlqKey({ NHI_DLQ_KEY: 'property-dlq-key' });
const LIMITS = messageLimits(undefined, {});
/** Per call, on a loaded 2-core machine: a hang guard only. */
const BOUND_MS = 3_000;

function timed<T>(what: string, f: () => T): T {
  const started = performance.now();
  const out = f();
  const ms = performance.now() - started;
  if (ms > BOUND_MS) throw new Error(`${what} took ${Math.round(ms)} ms (bound ${BOUND_MS})`);
  return out;
}

/** Each format's fixtures (JSON documents; JSON lines give their first line). */
function fixturesOf(format: Format): unknown[] {
  const dir = join(import.meta.dirname, '..', '..', 'fixtures', format);
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /\.(json|jsonl|ndjson|sarif)$/.test(f));
  } catch {
    return [];
  }
  const docs: unknown[] = [];
  for (const f of files) {
    // The fixtures' UTF-16 and byte-order-mark re-encodings are decoded as the normaliser decodes them.
    const text = decodeText(readFileSync(join(dir, f)));
    try {
      docs.push(JSON.parse(text));
    } catch {
      const first = text.split('\n').find((l) => l.trim());
      if (first) docs.push(JSON.parse(first));
    }
  }
  return docs;
}

/** Values of the wrong type for any field, hostile keys included. */
const wrongValue = fc.oneof(
  fc.constantFrom(null, true, 0, -1, 1e308, '', 'x'.repeat(5_000), [], {}, [[[[]]]]),
  fc.jsonValue({ maxDepth: 3 }),
  fc.constant(JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}')),
);

function expectOutcomes(outcomes: ReturnType<typeof normalizeInput>): void {
  for (const o of outcomes) {
    if (o.ok) expect(Array.isArray(o.findings)).toBe(true);
    else expect(o.reason.length).toBeGreaterThan(0);
  }
}

describe('every adapter under generated input', () => {
  for (const adapter of adapters) {
    const samples = fixturesOf(adapter.format);
    it(`${adapter.format}: arbitrary JSON and its own shapes with wrong types never throw, within the bound`, () => {
      fc.assert(
        fc.property(fc.jsonValue({ maxDepth: 5 }), (value) => {
          // The adapter alone (records, then each record), guarded as the normaliser guards it...
          timed(`${adapter.format} record`, () =>
            normalizeWith(adapter, value, { fingerprintKey: KEY }, { line: 1, record: 0 }),
          );
          // ...and the whole entry point, with the format named.
          expectOutcomes(
            timed(`${adapter.format} input`, () =>
              normalizeInput(JSON.stringify(value), { format: adapter.format, fingerprintKey: KEY }),
            ),
          );
        }),
        { numRuns: 60 },
      );
      if (samples.length === 0) return;
      fc.assert(
        fc.property(
          fc.nat({ max: samples.length - 1 }),
          fc.array(fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 3 }),
          wrongValue,
          (which, paths, replacement) => {
            let doc = samples[which];
            for (const path of paths) doc = replaceAtPath(doc, path, replacement);
            const text = JSON.stringify(doc);
            for (const format of [adapter.format, 'auto'] as const)
              expectOutcomes(
                timed(`${adapter.format} mutated`, () =>
                  normalizeInput(text, { format, fingerprintKey: KEY }),
                ),
              );
          },
        ),
        { numRuns: 60 },
      );
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }, 120_000);
  }
});

/** Hostile messages as the consumer sees them: bytes, with or without a format header. */
const hostileBytes = fc.oneof(
  fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v))),
  fc.nat({ max: 20_000 }).map((n) => Buffer.from(`{"RuleID":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}`)),
  fc.nat({ max: 20_000 }).map((n) => Buffer.from(`${'['.repeat(n)}${']'.repeat(n)}`)),
  fc.string({ maxLength: 200 }).map((s) => Buffer.from(`{"result":{"_raw":"${s}`)),
  fc.constantFrom(
    Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]), // UTF-16LE with a BOM
    Buffer.from([0xc3, 0x28, 0xa0, 0xa1]), // invalid UTF-8
    Buffer.from('{"__proto__":{"x":1},"constructor":{"prototype":{"x":1}},"Findings":[{"__proto__":1}]}'),
  ),
);

describe('decode → dead letter under generated messages', () => {
  it('never throws: every message is findings or a reason, and its dead letter is built, within the bound', () => {
    const formats = [undefined, 'auto', 'gitleaks', 'splunk-notable', 'asff', 'nope'];
    fc.assert(
      fc.property(hostileBytes, fc.constantFrom(...formats), (value, format) => {
        const decoded = timed('decode', () => decodeMessage(value, format, KEY, LIMITS));
        const message = kafkaMessage(7, value, format ? { format } : {});
        const reasons = decoded.ok
          ? decoded.rejected.map((r) => ({
              reason: r.reason,
              record: { value: r.value, line: r.line, index: r.record },
            }))
          : [{ reason: decoded.reason }];
        for (const r of reasons) {
          const dead = timed('dead letter', () =>
            toDlqMessage(
              { topic: 't', partition: 0, message, ...r, format: decoded.ok ? undefined : decoded.format },
              new Date(),
              DLQ,
            ),
          );
          expect(String((dead.headers as Record<string, unknown>).reason).length).toBeGreaterThan(0);
          expect((dead.headers as Record<string, unknown>)['source-offset']).toBe('7');
        }
      }),
      { numRuns: 300 },
    );
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  }, 120_000);
});
