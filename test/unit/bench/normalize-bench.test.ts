// The normaliser benchmark's shape and its command, on a small mix of fixtures (one round: no timing is asserted,
// only that every figure the report prints is there and consistent).
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { benchNormalize } from '../../../bench/normalize.ts';
import { UsageError } from '../../../cli/command.ts';
import { benchCommand } from '../../../cli/commands/bench.ts';
import { fixturesDir } from '../../support/corpus.ts';

const dir = mkdtempSync(join(tmpdir(), 'nhi-bench-'));
for (const f of [
  'asff/controls-resolved-keys.json',
  'cloudtrail/lookup-events.json',
  'checkov/multi-framework.json',
])
  cpSync(join(fixturesDir, f), join(dir, f));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** A bench round repeats the mix to ~2 MB, five ways: seconds on a loaded machine, never a timing assertion. */
const BENCH_DEADLINE_MS = 120_000;

describe('nhi bench normalize', () => {
  it(
    'reports throughput, the ratio, each stage and each format',
    () => {
      const result = benchNormalize(dir, { rounds: 1 });
      expect(result.files).toBe(3);
      expect(result.findingsPerRound).toBeGreaterThan(0);
      expect(result.ratio).toBeGreaterThan(0);
      expect(result.ratio).toBeCloseTo(result.parse.msPerRound / result.normalize.msPerRound);
      expect(result.fullOutputCheck.ratio).toBeCloseTo(
        result.parse.msPerRound / result.fullOutputCheck.msPerRound,
      );
      expect(result.stages.parse).toBe(result.parse.msPerRound);
      for (const ms of Object.values(result.stages)) expect(ms).toBeGreaterThanOrEqual(0);
      expect(result.formats.map((f) => f.format).sort()).toEqual(['asff', 'checkov', 'cloudtrail']);
      expect(result.formats.reduce((s, f) => s + f.share, 0)).toBeCloseTo(1);
    },
    BENCH_DEADLINE_MS,
  );

  it(
    'prints the stage table, and rejects bad arguments with one line',
    async () => {
      const out: string[] = [];
      const code = await benchCommand.run(['normalize', '--corpus', dir, '--rounds', '1'], {
        out: (l) => out.push(l),
        err: () => {},
      });
      expect(code).toBe(0);
      const text = out.join('\n');
      for (const line of [
        'ratio',
        'full check',
        'decode + JSON.parse',
        'adapters',
        'scrub + output check',
        'cloudtrail',
      ])
        expect(text).toContain(line);
      const io = { out: () => {}, err: () => {} };
      await expect(
        benchCommand.run(['normalize', '--corpus', dir, '--rounds', '0'], io),
      ).rejects.toBeInstanceOf(UsageError);
      await expect(benchCommand.run(['nothing'], io)).rejects.toBeInstanceOf(UsageError);
      // bench ingest checks its arguments before touching the stack.
      for (const bad of [
        ['--repeat-ratio', '1'],
        ['--repeat-ratio', 'x'],
        ['--findings-per-identity', '0'],
        ['--identities', '5', '--findings-per-identity', '5'],
        ['--probes', '2', '--no-worker'],
      ])
        await expect(benchCommand.run(['ingest', ...bad], io)).rejects.toBeInstanceOf(UsageError);
      // …and so does bench scale-out.
      for (const bad of [
        ['--kills', '0'],
        ['--kills', '2', '--no-kill'],
        ['--repeat-ratio', '-1'],
      ])
        await expect(benchCommand.run(['scale-out', ...bad], io)).rejects.toBeInstanceOf(UsageError);
    },
    BENCH_DEADLINE_MS,
  );
});
