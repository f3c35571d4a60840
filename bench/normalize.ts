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
  return {
    files: inputs.length,
    bytesPerRound: bytes * repeat,
    findingsPerRound: findings,
    rounds,
    parse: { msPerRound: p, mbPerSec: mb / (p / 1000) },
    normalize: { msPerRound: n, mbPerSec: mb / (n / 1000), findingsPerSec: findings / (n / 1000) },
    ratio: p / n,
  };
}
