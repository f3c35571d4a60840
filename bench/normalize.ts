// Normaliser throughput vs bare JSON.parse of the same bytes, in the same run, interleaved rounds, median kept.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { normalizeInput } from '../schemas/normalize.ts';
import { parseDocuments } from '../schemas/parse-input.ts';

export interface NormalizeBenchResult {
  files: number;
  bytesPerRound: number;
  findingsPerRound: number;
  rounds: number;
  parse: { msPerRound: number; mbPerSec: number };
  normalize: { msPerRound: number; mbPerSec: number; findingsPerSec: number };
  /** normalize throughput / parse throughput: 1 = free, 0.5 = normalising costs as much again as parsing. */
  ratio: number;
  /** The same measurement per input format (files grouped by the format they normalise as), slowest first. */
  formats: FormatBreakdown[];
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
  const texts = inputs.map((b) => b.toString('utf8'));
  const bytes = inputs.reduce((n, b) => n + b.length, 0);
  // Each round repeats the mix so a round takes long enough to time (~tens of ms).
  const repeat = Math.max(1, Math.ceil(2_000_000 / bytes));
  const rounds = opts.rounds ?? 15;
  let findings = 0;
  const parseRound = () => {
    for (let r = 0; r < repeat; r++) for (const t of texts) parseDocuments(t);
  };
  const normalizeRound = () => {
    findings = 0;
    for (let r = 0; r < repeat; r++) {
      for (const b of inputs)
        for (const o of normalizeInput(b, { fingerprintKey: 'bench' }))
          if (o.ok) findings += o.findings.length;
    }
  };
  parseRound();
  normalizeRound(); // warm up JIT and zod's compiled parsers
  const parseMs: number[] = [];
  const normalizeMs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    parseMs.push(time(parseRound));
    normalizeMs.push(time(normalizeRound));
    opts.onRound?.(i + 1);
  }
  const mb = (bytes * repeat) / 1e6;
  const p = median(parseMs);
  const n = median(normalizeMs);
  const formats = breakdown(inputs, texts, Math.max(3, Math.ceil(rounds / 3)));
  return {
    files: inputs.length,
    bytesPerRound: bytes * repeat,
    findingsPerRound: findings,
    rounds,
    parse: { msPerRound: p, mbPerSec: mb / (p / 1000) },
    normalize: { msPerRound: n, mbPerSec: mb / (n / 1000), findingsPerSec: findings / (n / 1000) },
    ratio: p / n,
    formats,
  };
}

/** Per format: files grouped by the format their records normalise as, each group timed on its own. */
function breakdown(inputs: Buffer[], texts: string[], rounds: number): FormatBreakdown[] {
  const groups = new Map<string, { inputs: Buffer[]; texts: string[]; records: number; findings: number }>();
  inputs.forEach((b, i) => {
    const outcomes = normalizeInput(b, { fingerprintKey: 'bench' });
    const format = outcomes.find((o) => o.format)?.format ?? 'unknown';
    const g = groups.get(format) ?? { inputs: [], texts: [], records: 0, findings: 0 };
    g.inputs.push(b);
    g.texts.push(texts[i]!);
    g.records += outcomes.length;
    for (const o of outcomes) if (o.ok) g.findings += o.findings.length;
    groups.set(format, g);
  });
  const rows = [...groups].map(([format, g]) => {
    // Enough passes per timing to last about a millisecond or two.
    const size = g.texts.reduce((n, t) => n + t.length, 0);
    const passes = Math.max(5, Math.ceil(50_000 / size));
    const parse = () => {
      for (let r = 0; r < passes; r++) for (const t of g.texts) parseDocuments(t);
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
