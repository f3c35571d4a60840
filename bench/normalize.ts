// Normaliser throughput vs bare JSON.parse of the same bytes, in the same run, interleaved rounds, median kept.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Adapter } from '../schemas/adapters/adapter.ts';
import { detectFormat, normalizeInput } from '../schemas/normalize.ts';
import { OutputChecker } from '../schemas/output-check.ts';
import { decodeUtf8, parseDocuments } from '../schemas/parse-input.ts';

export interface NormalizeBenchResult {
  files: number;
  bytesPerRound: number;
  findingsPerRound: number;
  rounds: number;
  parse: { msPerRound: number; mbPerSec: number };
  normalize: { msPerRound: number; mbPerSec: number; findingsPerSec: number };
  /** normalize throughput / parse throughput: 1 = free, 0.5 = normalising costs as much again as parsing. */
  ratio: number;
  /** The same rounds with the full output schema checked on every finding (as before the sampled check). */
  fullOutputCheck: { msPerRound: number; findingsPerSec: number; ratio: number };
  /** Where a normalise round's time goes, stage by stage. */
  stages: StageCosts;
  /** The same measurement per input format (files grouped by the format they normalise as), slowest first. */
  formats: FormatBreakdown[];
}

/**
 * Milliseconds per round spent in each stage of normalising. Measured by running the pipeline to increasing
 * depths in the same interleaved rounds and taking differences of medians (so a stage may read 0 in noise).
 */
export interface StageCosts {
  /** UTF-8 decode and JSON.parse: the baseline itself. */
  parse: number;
  /** `auto` choosing each document's adapter, and unwrapping its records. */
  detect: number;
  /** The adapters: input validation (zod), mapping onto findings, ids and secret fingerprints. */
  adapters: number;
  /** The boundary's safety net: scrubbing registered secrets and validating every finding (zod). */
  boundary: number;
}

export interface FormatBreakdown {
  format: string;
  files: number;
  records: number;
  findings: number;
  /** Median time of one pass over this format's files. */
  parseUs: number;
  normalizeUs: number;
  usPerRecord: number;
  /** This format's share of a normalise round. */
  share: number;
  ratio: number;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path);
    return /\.(json|jsonl|ndjson|sarif)$/.test(name) ? [path] : [];
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function time(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export function benchNormalize(
  corpusDir: string,
  opts: { rounds?: number; onRound?: (i: number) => void } = {},
): NormalizeBenchResult {
  const inputs = filesUnder(corpusDir).map((f) => readFileSync(f));
  if (inputs.length === 0) throw new Error(`no JSON files under ${corpusDir}`);
  const bytes = inputs.reduce((n, b) => n + b.length, 0);
  // Each round repeats the mix so a round takes long enough to time (~tens of ms).
  const repeat = Math.max(1, Math.ceil(2_000_000 / bytes));
  const rounds = opts.rounds ?? 15;
  let findings = 0;
  // The pipeline run to four depths; each depth adds one stage to the one before.
  const parseRound = () => {
    for (let r = 0; r < repeat; r++) for (const b of inputs) parseDocuments(decodeUtf8(b));
  };
  const detectRound = () => {
    for (let r = 0; r < repeat; r++) for (const b of inputs) eachRecord(b, () => {});
  };
  const adaptRound = () => {
    for (let r = 0; r < repeat; r++)
      for (const b of inputs)
        eachRecord(b, (adapter, record) => {
          try {
            adapter.normalize(record, { fingerprintKey: 'bench', secrets: new Set() });
          } catch {
            // a rejected record costs what it costs; the full round reports it
          }
        });
  };
  const normalizeRound = () => {
    findings = 0;
    for (let r = 0; r < repeat; r++) {
      for (const b of inputs)
        for (const o of normalizeInput(b, { fingerprintKey: 'bench' }))
          if (o.ok) findings += o.findings.length;
    }
  };
  const everyFinding = new OutputChecker('all');
  const fullCheckRound = () => {
    for (let r = 0; r < repeat; r++)
      for (const b of inputs) normalizeInput(b, { fingerprintKey: 'bench', outputCheck: everyFinding });
  };
  const depths = [parseRound, detectRound, adaptRound, normalizeRound, fullCheckRound];
  for (const run of depths) run(); // warm up JIT and zod's compiled parsers
  const ms: number[][] = depths.map(() => []);
  for (let i = 0; i < rounds; i++) {
    for (const [d, run] of depths.entries()) ms[d]!.push(time(run));
    opts.onRound?.(i + 1);
  }
  const mb = (bytes * repeat) / 1e6;
  const [p, detected, adapted, n, full] = ms.map(median) as [number, number, number, number, number];
  const stages: StageCosts = {
    parse: p,
    detect: Math.max(0, detected - p),
    adapters: Math.max(0, adapted - detected),
    boundary: Math.max(0, n - adapted),
  };
  const formats = breakdown(inputs, Math.max(3, Math.ceil(rounds / 3)));
  return {
    files: inputs.length,
    bytesPerRound: bytes * repeat,
    findingsPerRound: findings,
    rounds,
    parse: { msPerRound: p, mbPerSec: mb / (p / 1000) },
    normalize: { msPerRound: n, mbPerSec: mb / (n / 1000), findingsPerSec: findings / (n / 1000) },
    ratio: p / n,
    fullOutputCheck: { msPerRound: full, findingsPerSec: findings / (full / 1000), ratio: p / full },
    stages,
    formats,
  };
}

/** Decode, parse and unwrap one input as normalizeInput does (format `auto`), handing each record on. */
function eachRecord(input: Buffer, use: (adapter: Adapter, record: unknown) => void) {
  for (const doc of parseDocuments(decodeUtf8(input))) {
    if (!doc.ok) continue;
    try {
      const adapter = detectFormat(doc.value);
      for (const record of adapter.records(doc.value)) use(adapter, record);
    } catch {
      // unknown shapes and bad envelopes are rejections; the full round reports them
    }
  }
}

/** Per format: files grouped by the format their records normalise as, each group timed on its own. */
function breakdown(inputs: Buffer[], rounds: number): FormatBreakdown[] {
  const groups = new Map<string, { inputs: Buffer[]; records: number; findings: number }>();
  inputs.forEach((b) => {
    const outcomes = normalizeInput(b, { fingerprintKey: 'bench' });
    const format = outcomes.find((o) => o.format)?.format ?? 'unknown';
    const g = groups.get(format) ?? { inputs: [], records: 0, findings: 0 };
    g.inputs.push(b);
    g.records += outcomes.length;
    for (const o of outcomes) if (o.ok) g.findings += o.findings.length;
    groups.set(format, g);
  });
  const rows = [...groups].map(([format, g]) => {
    // Enough passes per timing to last about a millisecond or two.
    const size = g.inputs.reduce((n, b) => n + b.length, 0);
    const passes = Math.max(5, Math.ceil(50_000 / size));
    const parse = () => {
      for (let r = 0; r < passes; r++) for (const b of g.inputs) parseDocuments(decodeUtf8(b));
    };
    const normalize = () => {
      for (let r = 0; r < passes; r++)
        for (const b of g.inputs) normalizeInput(b, { fingerprintKey: 'bench' });
    };
    parse();
    normalize();
    const parseUs: number[] = [];
    const normalizeUs: number[] = [];
    for (let i = 0; i < rounds; i++) {
      parseUs.push((time(parse) * 1000) / passes);
      normalizeUs.push((time(normalize) * 1000) / passes);
    }
    const p = median(parseUs);
    const n = median(normalizeUs);
    return {
      format,
      files: g.inputs.length,
      records: g.records,
      findings: g.findings,
      parseUs: p,
      normalizeUs: n,
      usPerRecord: g.records ? n / g.records : 0,
      share: 0,
      ratio: p / n,
    };
  });
  const total = rows.reduce((t, r) => t + r.normalizeUs, 0);
  for (const r of rows) r.share = total ? r.normalizeUs / total : 0;
  return rows.sort((a, b) => b.normalizeUs - a.normalizeUs);
}
