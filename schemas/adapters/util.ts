// Small pure helpers shared by adapters: ids, time, severity, zod parsing to one readable line.
import { hash } from 'node:crypto';
import type { z } from 'zod';
import type { Severity, SeverityLabel } from '../finding.ts';
import { quoteRedacted } from '../secret-shapes.ts';
import { RecordError } from './adapter.ts';
import { fastParse } from './fast-parse.ts';

/** A tool's own name for a mode or a producer ("Trivy", "container_image") as a variant name: "trivy", "container-image". */
export function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9.]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'unnamed'
  );
}

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Stable finding id from the parts that identify a finding within its format. */
export function findingId(...parts: Array<string | number | undefined>): string {
  // SHA-256 of every part followed by NUL, in one call (one createHash + an update per part cost 4× as much).
  let joined = '';
  for (const p of parts) joined += `${p ?? ''}\u0000`;
  return `f_${hash('sha256', joined, 'hex').slice(0, 32)}`;
}

/** safeParse with the issues folded into one line: "Resources.0.Id: expected string, received number". */
export function parseRecord<S extends z.ZodType>(schema: S, record: unknown, what: string): z.infer<S> {
  // The compiled check (fast-parse.ts) for records that pass; zod itself for the reason of one that does not.
  const fast = fastParse(schema, record);
  if (fast) return fast.data;
  const result = schema.safeParse(record);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 3).map((i) => {
    const path = i.path.length ? i.path.join('.') : '(record)';
    return `${path}: ${i.message}`;
  });
  const more = result.error.issues.length > 3 ? ` (+${result.error.issues.length - 3} more)` : '';
  throw new RecordError(`not a valid ${what} record: ${issues.join('; ')}${more}`);
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;

const EPOCH_MS_THRESHOLD = 1e11; // below: seconds (until year 5138); above: milliseconds

/**
 * Any time a tool writes → ISO 8601 UTC. Numbers and numeric strings are epoch seconds or milliseconds
 * (told apart by size); strings without a zone are read as UTC; "MM-DD-YYYY" (gitleaks v8) too.
 */
export function toIsoTime(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let date: Date | undefined;
  if (typeof value === 'number' && Number.isFinite(value)) {
    date = new Date(value >= EPOCH_MS_THRESHOLD ? value : value * 1000);
  } else if (typeof value === 'string') {
    const s = value.trim();
    if (ISO_UTC.test(s)) {
      // Already ISO UTC with at most milliseconds (most tools): every rule below would leave it as it is.
      date = new Date(s);
    } else {
      if (/^\d+(\.\d+)?$/.test(s)) return toIsoTime(Number(s));
      const usDate = /^(\d{2})-(\d{2})-(\d{4})$/.exec(s);
      if (usDate) {
        date = new Date(`${usDate[3]}-${usDate[1]}-${usDate[2]}T00:00:00Z`);
      } else {
        // Trim sub-millisecond digits (Sentinel writes 7, Splunk 9) which Date cannot parse reliably.
        const trimmed = s.replace(/(\.\d{3})\d+/, '$1');
        const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(trimmed);
        const iso =
          /^\d{4}-\d{2}-\d{2}[ T]\d/.test(trimmed) && !hasZone ? `${trimmed.replace(' ', 'T')}Z` : trimmed;
        date = new Date(iso);
      }
    }
  }
  if (!date || Number.isNaN(date.getTime())) return undefined;
  return date.toISOString();
}

/** Time or a readable RecordError: every finding must say when it was observed. */
export function requireTime(what: string, ...candidates: unknown[]): string {
  for (const c of candidates) {
    const iso = toIsoTime(c);
    if (iso) return iso;
  }
  throw new RecordError(`${what}: no usable timestamp (got ${quoteRedacted(candidates[0], 60)})`);
}

const LABEL_SCORE: Record<SeverityLabel, number> = { info: 10, low: 30, medium: 50, high: 75, critical: 95 };

const LABEL_ALIASES: Record<string, SeverityLabel> = {
  informational: 'info',
  info: 'info',
  information: 'info',
  none: 'info',
  unknown: 'info',
  low: 'low',
  medium: 'medium',
  moderate: 'medium',
  warning: 'medium',
  warn: 'medium',
  high: 'high',
  error: 'high',
  critical: 'critical',
  fatal: 'critical',
};

/** A tool's severity word → our label and score; unknown words are medium so they are not lost. */
export function severityFromLabel(label: unknown, fallback: SeverityLabel = 'medium'): Severity {
  const key = typeof label === 'string' ? label.trim().toLowerCase() : '';
  const mapped = LABEL_ALIASES[key] ?? fallback;
  return { label: mapped, score: LABEL_SCORE[mapped] };
}

/** A 0–100 score → label (thresholds as CVSS×10 and ASFF Normalized). */
export function severityFromScore(score: number): Severity {
  const s = Math.max(0, Math.min(100, score));
  const label: SeverityLabel =
    s >= 90 ? 'critical' : s >= 70 ? 'high' : s >= 40 ? 'medium' : s >= 1 ? 'low' : 'info';
  return { label, score: s };
}

export function compact<T>(items: Array<T | undefined | null | false | ''>): T[] {
  return items.filter((x): x is T => x !== undefined && x !== null && x !== false && x !== '');
}
