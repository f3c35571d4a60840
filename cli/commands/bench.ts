// `nhi bench normalize [--corpus DIR] [--rounds N] [--json]`: throughput as ratios against a baseline measured
// in the same run (absolute numbers vary by machine; ratios travel).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { benchNormalize } from '../../bench/normalize.ts';
import { type Command, CommandError, parseCommandArgs, UsageError } from '../command.ts';

const usage = `usage: nhi bench normalize [--corpus DIR] [--rounds N] [--json]

  normalize   the normaliser over every JSON file under DIR (default ../shared/findings-corpus), against bare
              JSON.parse of the same bytes, interleaved rounds, medians; reports findings/s and the ratio
              (normalise throughput / parse throughput; ≥ 0.5 means normalising costs at most as much again as parsing)`;

export const benchCommand: Command = {
  name: 'bench',
  summary: 'benchmarks, reported as ratios against a same-run baseline',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      corpus: { type: 'string' },
      rounds: { type: 'string' },
      json: { type: 'boolean' },
    });
    const which = positionals[0] ?? 'normalize';
    if (which !== 'normalize') throw new UsageError(`unknown benchmark '${which}' (known: normalize)`);
    const corpus = values.corpus ?? join(process.cwd(), '..', 'shared', 'findings-corpus');
    if (!existsSync(corpus)) throw new CommandError(`corpus not found at ${corpus} (use --corpus DIR)`);
    const rounds = values.rounds === undefined ? 15 : Number(values.rounds);
    if (!Number.isInteger(rounds) || rounds < 1)
      throw new UsageError(`--rounds must be a positive whole number, got '${values.rounds}'`);
    io.err(`bench normalize: ${corpus}, ${rounds} rounds`);
    const result = benchNormalize(corpus, {
      rounds,
      onRound: (i) => i % 5 === 0 && io.err(`  round ${i}/${rounds}`),
    });
    if (values.json) io.out(JSON.stringify({ bench: 'normalize', ...result }));
    else {
      io.out(
        `files ${result.files}, ${(result.bytesPerRound / 1e6).toFixed(1)} MB and ${result.findingsPerRound} findings per round`,
      );
      io.out(`JSON.parse   ${result.parse.mbPerSec.toFixed(1)} MB/s`);
      io.out(
        `normalize    ${result.normalize.mbPerSec.toFixed(1)} MB/s, ${Math.round(result.normalize.findingsPerSec)} findings/s`,
      );
      io.out(`ratio        ${result.ratio.toFixed(2)} (normalize/parse throughput; target ≥ 0.5)`);
    }
    return 0;
  },
};
