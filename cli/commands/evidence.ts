// `nhi evidence export|verify|key`: thin over evidence/ (export.ts, verify.ts, signing-key.ts).
import { existsSync } from 'node:fs';
import {
  defaultChainFile,
  defaultEvidenceKeyFile,
  linkToExport,
  readChainHead,
  writeChainHead,
} from '../../evidence/chain-head.ts';
import { exportEvidence, linkTo } from '../../evidence/export.ts';
import { closeHistoryConnections } from '../../evidence/fetch-history.ts';
import type { ExportQuery } from '../../evidence/manifest.ts';
import {
  evidenceSigner,
  newEvidenceKey,
  readPublicKey,
  writeEvidenceKey,
} from '../../evidence/signing-key.ts';
import { exportDirs, verifyChain } from '../../evidence/verify.ts';
import { isActionName } from '../../schemas/policy.ts';
import { type Command, CommandError, type Io, parseCommandArgs, UsageError } from '../command.ts';
import { connectTemporal } from '../identity-source.ts';

const usage = `usage: nhi evidence export [--identity KEY] [--since T] [--until T] [--action A] --out DIR
                              [--key FILE] [--previous DIR] [--json]
       nhi evidence verify DIR... [--key PUB] [--json]
       nhi evidence key new --out FILE [--json]

export  writes, for each remediation matching the filters, every run of its workflow history and of its identity
        workflow's history (Temporal JSON, replayable; payloads decoded by the configured codec), a summary
        derived from them, report.md and a self-contained report.html, and manifest.json (every file's SHA-256,
        the previous export's manifest hash) signed with the evidence key (manifest.sig.json, public key inside).
  --identity KEY  one identity's remediations (canonical key)
  --since T       started at or after T (ISO 8601, or a duration back from now: 90m, 24h, 7d)
  --until T       started at or before T (same forms)
  --action A      one action (deactivate-key, scope-down, … or team/action)
  --out DIR       a new or empty directory
  --key FILE      evidence key file (default NHI_EVIDENCE_KEY_FILE or .nhi/keys/evidence.json, created on
                  first use when it is the default)
  --previous DIR  the export this one follows (default: the chain head in NHI_EVIDENCE_CHAIN_FILE or
                  .nhi/evidence/chain-head.json, updated after each export)

verify  recomputes every hash and the signature, derives each summary again from its histories and renders the
        report again, names every file that changed, is missing or was added, and checks the chain between the
        exports given (a DIR holding exports as subdirectories counts as all of them). Exit 1 on any mismatch.
  --key PUB       the expected public key (64 hex characters, or a file with them); default: the key published
                  in the export, which proves integrity but not who signed

key new writes a new Ed25519 evidence key file (mode 0600) and prints its public key.

Progress goes to stderr; --json prints one JSON object on stdout.`;

const DURATION = /^(\d+)(m|h|d)$/;

export function parseTime(name: string, value: string | undefined, now = Date.now()): string | undefined {
  if (value === undefined) return undefined;
  const d = DURATION.exec(value);
  if (d) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[d[2] as 'm' | 'h' | 'd'];
    return new Date(now - Number(d[1]) * unit).toISOString();
  }
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(t))
    throw new UsageError(`--${name} must be an ISO 8601 time or a duration like 24h, got '${value}'`);
  return new Date(t).toISOString();
}

async function runExport(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      identity: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      action: { type: 'string' },
      out: { type: 'string' },
      key: { type: 'string' },
      previous: { type: 'string' },
      json: { type: 'boolean' },
    },
    true,
  );
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (!values.out) throw new UsageError('--out DIR is required');
  if (values.identity !== undefined && !values.identity.trim()) throw new UsageError('--identity is empty');
  if (values.action !== undefined && !isActionName(values.action))
    throw new UsageError(`--action '${values.action}' is not an action name`);
  const query: ExportQuery = {
    ...(values.identity ? { identity: values.identity } : {}),
    ...(values.since ? { since: parseTime('since', values.since) } : {}),
    ...(values.until ? { until: parseTime('until', values.until) } : {}),
    ...(values.action ? { action: values.action } : {}),
  };
  if (query.since && query.until && query.since > query.until)
    throw new UsageError('--since is after --until');
  if (values.previous && !existsSync(values.previous))
    throw new UsageError(`--previous ${values.previous} does not exist`);
  if (values.key && !existsSync(values.key)) throw new UsageError(`--key ${values.key} does not exist`);

  const keyFile = values.key ?? defaultEvidenceKeyFile();
  let signer: ReturnType<typeof evidenceSigner>;
  try {
    signer = evidenceSigner(keyFile, {
      create: !values.key,
      onCreate: () => io.err(`evidence: new evidence key ${keyFile} (keep it private; back it up)`),
    });
  } catch (error) {
    throw new CommandError((error as Error).message);
  }
  const chainFile = defaultChainFile();
  let previous: ReturnType<typeof readChainHead>;
  try {
    previous = values.previous ? linkToExport(values.previous) : readChainHead(chainFile);
  } catch (error) {
    throw new CommandError((error as Error).message);
  }

  const source = await connectTemporal();
  try {
    const result = await exportEvidence(source.client, {
      outDir: values.out,
      signer,
      query,
      previous,
      progress: (line) => io.err(line),
    });
    writeChainHead(chainFile, linkTo(result));
    const counts = {
      dir: result.dir,
      sequence: result.manifest.sequence,
      manifestSha256: result.manifestSha256,
      previous: result.manifest.previous,
      publicKey: result.manifest.publicKey,
      remediations: result.summaries.length,
      files: result.manifest.files.length,
    };
    if (values.json) io.out(JSON.stringify(counts));
    else
      io.out(
        `evidence #${counts.sequence}: ${counts.remediations} remediation(s), ${counts.files} file(s) → ${counts.dir} (manifest sha256 ${counts.manifestSha256})`,
      );
    return 0;
  } catch (error) {
    throw new CommandError((error as Error).message);
  } finally {
    await closeHistoryConnections();
    await source.close();
  }
}

async function runVerify(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    key: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (!positionals.length) throw new UsageError('no export DIR given');
  let publicKey: string | undefined;
  if (values.key) {
    try {
      publicKey = readPublicKey(values.key);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  for (const d of positionals) if (!existsSync(d)) throw new UsageError(`${d} does not exist`);
  const dirs = positionals.flatMap(exportDirs);
  const result = verifyChain(dirs, { publicKey });
  if (values.json) {
    io.out(
      JSON.stringify({
        ok: result.ok,
        exports: result.exports.map((e) => ({
          dir: e.dir,
          sequence: e.manifest?.sequence,
          manifestSha256: e.manifestSha256,
        })),
        problems: result.problems,
      }),
    );
  } else {
    for (const p of result.problems) io.out(`FAIL ${p.dir}: ${p.subject}: ${p.problem}`);
    for (const e of result.exports)
      if (e.manifest && !result.problems.some((p) => p.dir === e.dir))
        io.out(
          `OK   ${e.dir}: export #${e.manifest.sequence}, ${e.manifest.files.length} file(s), ${e.manifest.cases.length} case(s), signed by ${e.manifest.publicKey}${publicKey ? '' : ' (key not pinned: pass --key)'}`,
        );
  }
  return result.ok ? 0 : 1;
}

async function runKey(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    out: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positionals[0] !== 'new' || positionals.length > 1)
    throw new UsageError(`expected 'key new', got 'key ${positionals.join(' ')}'`);
  if (!values.out) throw new UsageError('--out FILE is required');
  if (existsSync(values.out)) throw new UsageError(`${values.out} exists: a key is never overwritten`);
  const key = newEvidenceKey();
  writeEvidenceKey(values.out, key);
  if (values.json) io.out(JSON.stringify({ file: values.out, publicKey: key.publicKey }));
  else io.out(`evidence key ${values.out}; public key ${key.publicKey}`);
  return 0;
}

export const evidenceCommand: Command = {
  name: 'evidence',
  summary: 'export signed, chained evidence of remediations; verify it; make an evidence key',
  usage,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === 'export') return runExport(rest, io);
    if (sub === 'verify') return runVerify(rest, io);
    if (sub === 'key') return runKey(rest, io);
    throw new UsageError(
      sub ? `unknown subcommand '${sub}' (export, verify or key)` : 'export, verify or key?',
    );
  },
};
