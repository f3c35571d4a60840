// The normaliser's output check, made cheap. Every finding gets the invariants the pipeline relies on at once
// (ids, identities, kind, status, severity, time, secret fingerprint shape); the full zod schema runs on every
// finding of a format's first OUTPUT_CHECK_WARMUP, on one in OUTPUT_CHECK_EVERY after that, and on every finding
// the boundary rewrote (a secret scrubbed, a shape redacted, an id left out: the slow path, built by hand). A finding the full
// check refuses switches its format to checking everything for the rest of the process. What the sample does not
// see, the property tests do in CI: every adapter's output over the corpus and over random and mutated input must
// pass the full schema (test/unit/schemas/boundary-fuzz.test.ts, output-check.test.ts).
// NHI_OUTPUT_CHECK=all checks every finding in full (slower; for a new adapter or a suspicious source).
// The full check runs the Finding schema compiled (adapters/fast-parse.ts: passes exactly what zod passes, proven
// by test/unit/schemas/fast-parse.test.ts); zod itself runs only to word the reason of a finding that fails.
import { fastParse } from './adapters/fast-parse.ts';
import { Finding, FindingKind, type Format } from './finding.ts';

export const OUTPUT_CHECK_WARMUP = 100;
export const OUTPUT_CHECK_EVERY = 64;

const KINDS = new Set<string>(FindingKind.options);
const ID = /^f_[0-9a-f]{32}$/;
const HEX64 = /^[0-9a-f]{64}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

/** What the consumer and the identity workflow read from every finding, checked by hand (no allocation). */
export function invariantProblem(f: unknown): string | undefined {
  if (typeof f !== 'object' || f === null) return 'not an object';
  const x = f as Record<string, unknown>;
  if (x.schemaVersion !== 1) return 'schemaVersion';
  if (typeof x.id !== 'string' || !ID.test(x.id)) return 'id';
  if (typeof x.kind !== 'string' || !KINDS.has(x.kind)) return 'kind';
  if (x.status !== 'open' && x.status !== 'resolved') return 'status';
  if (typeof x.title !== 'string') return 'title';
  if (typeof x.time !== 'string' || !ISO.test(x.time)) return 'time';
  const sev = x.severity as Record<string, unknown> | undefined;
  if (
    typeof sev?.score !== 'number' ||
    !(sev.score >= 0 && sev.score <= 100) ||
    typeof sev.label !== 'string'
  )
    return 'severity';
  const src = x.source as Record<string, unknown> | undefined;
  if (typeof src?.format !== 'string' || typeof src.product !== 'string') return 'source';
  if (!Array.isArray(x.identities)) return 'identities';
  for (const i of x.identities as unknown[]) {
    const key = (i as Record<string, unknown> | null)?.key;
    if (typeof key !== 'string' || key === '') return 'identities';
  }
  if (!Array.isArray(x.resources) || !Array.isArray(x.references)) return 'resources';
  if (typeof x.evidence !== 'object' || x.evidence === null) return 'evidence';
  const secret = x.secret as Record<string, unknown> | undefined;
  if (secret !== undefined && (typeof secret.fingerprint !== 'string' || !HEX64.test(secret.fingerprint)))
    return 'secret';
  return undefined;
}

/** Per format: how many findings it produced, and whether it must be checked in full from now on. */
export class OutputChecker {
  private readonly seen = new Map<string, number>();
  private readonly always = new Set<string>();
  fullChecks = 0;

  constructor(private readonly mode: 'all' | 'sample' = outputCheckModeFromEnv()) {}

  /** Undefined if the findings are fine, else the one-line reason of the first that is not. */
  problem(format: Format, findings: readonly unknown[], rewritten?: readonly boolean[]): string | undefined {
    for (const [i, f] of findings.entries()) {
      const n = (this.seen.get(format) ?? 0) + 1;
      this.seen.set(format, n);
      const cheap = invariantProblem(f);
      const full =
        cheap !== undefined ||
        this.mode === 'all' ||
        rewritten?.[i] === true ||
        this.always.has(format) ||
        n <= OUTPUT_CHECK_WARMUP ||
        n % OUTPUT_CHECK_EVERY === 0;
      if (!full) continue;
      this.fullChecks++;
      // The compiled check passes exactly what zod passes (fast-parse.ts); zod runs only to say why one fails.
      if (fastParse(Finding, f)) continue;
      const checked = Finding.safeParse(f);
      if (checked.success) continue;
      this.always.add(format);
      const issue = checked.error.issues[0];
      return `adapter produced an invalid finding at ${issue?.path.join('.')}: ${issue?.message}`;
    }
    return undefined;
  }
}

export function outputCheckModeFromEnv(env: NodeJS.ProcessEnv = process.env): 'all' | 'sample' {
  return env.NHI_OUTPUT_CHECK === 'all' ? 'all' : 'sample';
}

/** The process's checker (the normaliser is called per record; the counts span the process). */
export const outputChecker = new OutputChecker();
