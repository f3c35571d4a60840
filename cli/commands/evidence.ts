// `nhi evidence export|verify|key`: thin over evidence/ (export.ts, verify.ts, signing-key.ts).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPolicy } from '../../activities/policy-source.ts';
import { ensureArchiveSchedule, removeArchiveSchedule } from '../../evidence/archive-schedule.ts';
import {
  defaultChainFile,
  defaultEvidenceKeyFile,
  defaultRotationFile,
  linkToExport,
  mayCreateEvidenceKey,
  parseHead,
  readChainHead,
  type SignedHead,
  writeChainHead,
} from '../../evidence/chain-head.ts';
import { exportEvidence, linkTo } from '../../evidence/export.ts';
import { caseCounts, caseCountText } from '../../evidence/export-counts.ts';
import { closeHistoryConnections } from '../../evidence/fetch-history.ts';
import {
  type KeyRotation,
  readRotation,
  rotationRecord,
  writeRotation,
} from '../../evidence/key-rotation.ts';
import type { ChainLink, ExportQuery } from '../../evidence/manifest.ts';
import {
  downloadArchive,
  parseS3Url,
  readArchiveHeadForVerify,
  s3Client,
} from '../../evidence/s3-archive.ts';
import {
  evidenceSigner,
  newEvidenceKey,
  readPublicKey,
  writeEvidenceKey,
} from '../../evidence/signing-key.ts';
import { exportDirs, type VerifyResult, verifyChain } from '../../evidence/verify.ts';
import { webUiBase } from '../../infra/services/temporal-ui.ts';
import type { EvidenceArchive } from '../../schemas/policy.ts';
import { isActionName } from '../../schemas/policy.ts';
import { EVIDENCE_ARCHIVE_SCHEDULE_ID } from '../../workflows/evidence/definitions.ts';
import { TASK_QUEUE } from '../../workflows/identity/definitions.ts';
import { type Command, CommandError, type Io, parseCommandArgs, UsageError } from '../command.ts';
import { connectTemporal } from '../identity-source.ts';

const usage = `usage: nhi evidence export [--identity KEY] [--since T] [--until T] [--action A] --out DIR
                              [--key FILE] [--previous DIR] [--json]
       nhi evidence verify DIR|s3://BUCKET/PREFIX... [--key PUB] [--head FILE | --no-head] [--json]
       nhi evidence schedule [--every D] [--bucket B] [--prefix P] [--task-queue Q] [--remove] [--json]
       nhi evidence key new --out FILE [--json]
       nhi evidence rotate-key --new FILE --reason TEXT [--key FILE] [--json]

export  writes, for each remediation matching the filters, every run of its workflow history and of its identity
        workflow's history (Temporal JSON, replayable; payloads decoded by the configured codec), a summary
        derived from them, report.md and a self-contained report.html, and manifest.json (every file's SHA-256,
        the previous export's manifest hash) signed with the evidence key (manifest.sig.json, public key inside).
  --identity KEY  one identity's remediations (canonical key); for an IAM user ARN, also those of its access
                  keys (the user their plan read from AWS)
  --since T       started at or after T (ISO 8601, or a duration back from now: 90m, 24h, 7d)
  --until T       started at or before T (same forms)
  --action A      one action (deactivate-key, scope-down, … or team/action)
  --out DIR       a new or empty directory
  --key FILE      evidence key file (default NHI_EVIDENCE_KEY_FILE or .nhi/keys/evidence.json; created on
                  first use only for the local stack: elsewhere make one with nhi evidence key new)
  --web-ui URL    link each workflow run in the report to its page in Temporal's Web UI at URL (default:
                  NHI_TEMPORAL_WEB_UI, else the local stack's UI when Temporal is the local stack's; with
                  none, stderr says so once and the report has no links)
  --previous DIR  the export this one follows (default: the chain head in NHI_EVIDENCE_CHAIN_FILE or
                  .nhi/evidence/chain-head.json, signed with the evidence key and moved after each export)

verify  recomputes every hash and the signature, derives each summary again from its histories and renders the
        report again, names every file that changed, is missing or was added, and checks the chain between the
        exports given (a DIR holding exports as subdirectories counts as all of them). Exit 1 on any mismatch.
        Every export must be signed by the trusted key, or by a key that a key-rotation record signed by both keys
        links to it; a change of key without one fails, whatever chain link the export names.
  --key PUB       the trusted public key (64 hex characters, or a file with them); default NHI_EVIDENCE_PUBLIC_KEY,
                  else the deployment's evidence key file. Never the key inside an export: with none, exit 2.
  --head FILE     the signed chain head to compare with (default: the archive's for s3://, else
                  NHI_EVIDENCE_CHAIN_FILE or .nhi/evidence/chain-head.json): the newest export given must be the
                  one it names, so a deleted newest export fails. Without any head, verify fails.
  --no-head       check only the exports given (a newest export that was deleted goes unnoticed)

        An s3:// location is downloaded first (every export under the prefix) and verified as a chain, against
        the highest head among the head object's stored versions (with versioning and object lock, an older head
        put back cannot hide a deleted export).

schedule creates or updates the Temporal Schedule '${EVIDENCE_ARCHIVE_SCHEDULE_ID}': every interval a worker exports the
        remediations closed since the last archive, chained to it, to S3 under <prefix><sequence>-<time>/, and
        moves <prefix>chain-head.json. Defaults from the policy's evidence.archive (every, bucket, prefix).
  --every D       interval: a number and s, m, h or d (e.g. 24h)
  --bucket B      S3 bucket (must exist); --prefix P key prefix (default evidence/)
  --task-queue Q  the workers' task queue (default NHI_TASK_QUEUE or nhi-enforce)
  --remove        delete the schedule

key new writes a new Ed25519 evidence key file (mode 0600) and prints its public key.

rotate-key writes a new evidence key (--new FILE) and a key-rotation record signed by the current key (--key,
        default the deployment's) and by the new one; the next export signed with the new key carries it
        (key-rotation.json), so verify follows the chain across the change. Then point NHI_EVIDENCE_KEY_FILE at FILE
        (or move it to the default path).

Progress goes to stderr; --json prints one JSON object on stdout.

examples:
  nhi evidence export --since 7d --out evidence/2026-12-07
  nhi evidence verify evidence/2026-12-07
next: open report.html in the export; keep the export and its chain head where auditors can read them`;

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

/** Where the report links to (infra/services/temporal-ui.ts webUiBase); a malformed port setting means none. */
function webUiFor(given: string | undefined): { url?: string; missing?: string } {
  try {
    return webUiBase(given);
  } catch (error) {
    return { missing: `${(error as Error).message}, so no Web UI links: pass --web-ui URL` };
  }
}

const EXPORT_OPTIONS = {
  identity: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  action: { type: 'string' },
  out: { type: 'string' },
  key: { type: 'string' },
  previous: { type: 'string' },
  'web-ui': { type: 'string' },
  json: { type: 'boolean' },
} as const;

const VERIFY_OPTIONS = {
  key: { type: 'string' },
  head: { type: 'string' },
  'no-head': { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

const SCHEDULE_OPTIONS = {
  every: { type: 'string' },
  bucket: { type: 'string' },
  prefix: { type: 'string' },
  'task-queue': { type: 'string' },
  remove: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

const KEY_OPTIONS = {
  out: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const ROTATE_KEY_OPTIONS = {
  key: { type: 'string' },
  new: { type: 'string' },
  reason: { type: 'string' },
  json: { type: 'boolean' },
} as const;

async function runExport(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, EXPORT_OPTIONS, true);
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

  // Every argument is checked before anything is written (a new evidence key is a side effect).
  const { url: webUi, missing: noWebUi } = webUiFor(values['web-ui']);
  if (webUi && !/^https?:\/\/[^/]+/.test(webUi))
    throw new UsageError(
      `${values['web-ui'] ? '--web-ui' : 'NHI_TEMPORAL_WEB_UI'} must be an http(s) URL, got '${webUi}'`,
    );

  const keyFile = values.key ?? defaultEvidenceKeyFile();
  let signer: ReturnType<typeof evidenceSigner>;
  try {
    signer = evidenceSigner(keyFile, {
      create: !values.key && mayCreateEvidenceKey(),
      onCreate: () => io.err(`evidence: new evidence key ${keyFile} (keep it private; back it up)`),
    });
  } catch (error) {
    throw new CommandError((error as Error).message);
  }
  const chainFile = defaultChainFile();
  let previous: ChainLink | null;
  let rotation: KeyRotation | undefined;
  try {
    const head = readChainHead(chainFile);
    previous = values.previous ? linkToExport(values.previous) : head;
    // A rotation waiting for this key (nhi evidence rotate-key) goes into the first export the new key signs.
    const pending = readRotation(defaultRotationFile());
    if (pending && pending.to === signer.publicKey && (!head?.publicKey || head.publicKey === pending.from))
      rotation = pending;
    else if (head?.publicKey && head.publicKey !== signer.publicKey)
      throw new Error(
        `the last export was signed by key ${head.publicKey}, this key is ${signer.publicKey}: run nhi evidence rotate-key first, so verify can follow the chain`,
      );
  } catch (error) {
    throw new CommandError((error as Error).message);
  }

  if (noWebUi) io.err(`evidence: ${noWebUi}`);
  const source = await connectTemporal();
  try {
    const result = await exportEvidence(source.client, {
      ...(webUi ? { webUi } : {}),
      outDir: values.out,
      signer,
      query,
      previous,
      ...(rotation ? { rotation } : {}),
      progress: (line) => io.err(line),
    });
    writeChainHead(chainFile, linkTo(result), signer);
    const counts = {
      dir: result.dir,
      sequence: result.manifest.sequence,
      manifestSha256: result.manifestSha256,
      previous: result.manifest.previous,
      publicKey: result.manifest.publicKey,
      ...caseCounts(result.manifest.cases),
      files: result.manifest.files.length,
    };
    if (values.json) io.out(JSON.stringify(counts));
    else
      io.out(
        `evidence #${counts.sequence}: ${caseCountText(result.manifest.cases)}, ${counts.files} file(s) → ${counts.dir} (manifest sha256 ${counts.manifestSha256})`,
      );
    return 0;
  } catch (error) {
    throw new CommandError((error as Error).message);
  } finally {
    await closeHistoryConnections();
    await source.close();
  }
}

/** The trusted public key: --key, else NHI_EVIDENCE_PUBLIC_KEY, else the deployment's own evidence key file. */
function trustedKey(given: string | undefined): string {
  const spec = given ?? (process.env.NHI_EVIDENCE_PUBLIC_KEY || undefined);
  if (spec) {
    try {
      return readPublicKey(spec);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  const own = defaultEvidenceKeyFile();
  if (existsSync(own)) {
    try {
      return readPublicKey(own);
    } catch (error) {
      throw new CommandError((error as Error).message);
    }
  }
  throw new UsageError(
    'no trusted evidence key: pass --key PUB or set NHI_EVIDENCE_PUBLIC_KEY (the key inside an export proves integrity, not who signed it)',
  );
}

async function runVerify(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, VERIFY_OPTIONS);
  if (!positionals.length) throw new UsageError('no export DIR given');
  if (values.head && values['no-head']) throw new UsageError('--head and --no-head together');
  if (values.head && !existsSync(values.head)) throw new UsageError(`--head ${values.head} does not exist`);
  for (const d of positionals)
    if (!parseS3Url(d) && !existsSync(d)) throw new UsageError(`${d} does not exist`);
  const publicKey = trustedKey(values.key);
  const dirs: string[] = [];
  const downloads: string[] = [];
  let head: SignedHead | null = null;
  let headFrom: string | undefined;
  try {
    if (values.head) {
      head = parseHead(readFileSync(values.head, 'utf8'), values.head);
      headFrom = values.head;
    }
    for (const d of positionals) {
      const target = parseS3Url(d);
      if (!target) {
        dirs.push(...exportDirs(d));
        continue;
      }
      const into = mkdtempSync(join(tmpdir(), 'nhi-evidence-s3-'));
      downloads.push(into);
      try {
        const s3 = s3Client();
        const found = await downloadArchive(s3, target, into);
        io.err(`evidence: ${found.length} export(s) downloaded from ${d}`);
        dirs.push(...found);
        if (!values.head && !values['no-head']) {
          head = await readArchiveHeadForVerify(s3, target);
          headFrom = head ? `${d}chain-head.json` : undefined;
        }
      } catch (error) {
        throw new CommandError(`cannot read ${d}: ${(error as Error).message}`);
      }
    }
    if (!head && !values['no-head'] && !positionals.some((d) => parseS3Url(d))) {
      const file = defaultChainFile();
      head = readChainHead(file);
      headFrom = head ? file : undefined;
    }
  } catch (error) {
    if (error instanceof CommandError) throw error;
    throw new CommandError((error as Error).message);
  }
  try {
    const result = verifyChain(dirs, { publicKey, head });
    if (!head && !values['no-head'])
      result.problems.push({
        dir: dirs.at(-1) ?? positionals[0]!,
        subject: 'chain head',
        problem:
          'no signed chain head to compare with (--head FILE, NHI_EVIDENCE_CHAIN_FILE, or the archive): the newest export could be missing; --no-head to check only the exports given',
      });
    result.ok = result.problems.length === 0;
    return report(result, values.json === true, headFrom, io);
  } finally {
    for (const d of downloads) rmSync(d, { recursive: true, force: true });
  }
}

function report(result: VerifyResult, json: boolean, headFrom: string | undefined, io: Io): number {
  if (json) {
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
          `OK   ${e.dir}: export #${e.manifest.sequence}, ${e.manifest.files.length} file(s), ${e.manifest.cases.length} case(s), signed by ${e.manifest.publicKey}${headFrom ? '' : ' (chain head not checked)'}`,
        );
  }
  return result.ok ? 0 : 1;
}

async function runSchedule(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, SCHEDULE_OPTIONS);
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (values.remove) {
    const source = await connectTemporal();
    try {
      await removeArchiveSchedule(source.client).catch((error: Error) => {
        throw new CommandError(`cannot remove the schedule: ${error.message}`);
      });
    } finally {
      await source.close();
    }
    if (values.json) io.out(JSON.stringify({ scheduleId: EVIDENCE_ARCHIVE_SCHEDULE_ID, removed: true }));
    else io.out(`evidence schedule ${EVIDENCE_ARCHIVE_SCHEDULE_ID} removed`);
    return 0;
  }
  let policy: EvidenceArchive | undefined;
  try {
    policy = loadPolicy().evidence?.archive;
  } catch (error) {
    throw new CommandError((error as Error).message);
  }
  const every = values.every ?? policy?.every;
  const bucket = values.bucket ?? policy?.bucket;
  const prefix = values.prefix ?? policy?.prefix ?? 'evidence/';
  if (!every) throw new UsageError('no --every, and the policy has no evidence.archive.every');
  if (!/^\d+[smhd]$/.test(every))
    throw new UsageError(`--every must be a number and s, m, h or d, got '${every}'`);
  if (!bucket) throw new UsageError('no --bucket, and the policy has no evidence.archive.bucket');
  const taskQueue = values['task-queue'] ?? (process.env.NHI_TASK_QUEUE || TASK_QUEUE);
  const source = await connectTemporal();
  let done: 'created' | 'updated';
  try {
    done = await ensureArchiveSchedule(source.client, { every, bucket, prefix, taskQueue });
  } finally {
    await source.close();
  }
  const summary = {
    scheduleId: EVIDENCE_ARCHIVE_SCHEDULE_ID,
    result: done,
    every,
    bucket,
    prefix,
    taskQueue,
  };
  if (values.json) io.out(JSON.stringify(summary));
  else
    io.out(
      `evidence schedule ${summary.scheduleId} ${done}: every ${every} → s3://${bucket}/${prefix} (task queue ${taskQueue})`,
    );
  return 0;
}

async function runKey(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, KEY_OPTIONS);
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

async function runRotateKey(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, ROTATE_KEY_OPTIONS);
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (!values.new) throw new UsageError('--new FILE is required (where the new key is written)');
  if (!values.reason?.trim()) throw new UsageError('--reason is required');
  if (existsSync(values.new)) throw new UsageError(`${values.new} exists: a key is never overwritten`);
  const oldFile = values.key ?? defaultEvidenceKeyFile();
  let record: KeyRotation;
  try {
    const from = evidenceSigner(oldFile);
    const key = newEvidenceKey();
    writeEvidenceKey(values.new, key);
    record = rotationRecord(from, evidenceSigner(values.new), values.reason.trim());
    writeRotation(defaultRotationFile(), record);
  } catch (error) {
    throw new CommandError((error as Error).message);
  }
  if (values.json) io.out(JSON.stringify({ file: values.new, from: record.from, to: record.to }));
  else
    io.out(
      `evidence key rotated: ${record.from} → ${record.to} (new key ${values.new}; the next export carries the record ${defaultRotationFile()})`,
    );
  return 0;
}

const SUBCOMMANDS = {
  export: EXPORT_OPTIONS,
  verify: VERIFY_OPTIONS,
  schedule: SCHEDULE_OPTIONS,
  key: KEY_OPTIONS,
  'rotate-key': ROTATE_KEY_OPTIONS,
} as const;

/** The subcommand, its options and what it cannot go without (checks of files and keys stay in each run). */
function parseEvidenceArgs(argv: string[]) {
  const [sub, ...rest] = argv;
  if (!sub || !Object.hasOwn(SUBCOMMANDS, sub))
    throw new UsageError(
      sub
        ? `unknown subcommand '${sub}' (export, verify, schedule, key or rotate-key)`
        : 'export, verify, schedule, key or rotate-key?',
    );
  const { values, positionals } = parseCommandArgs(rest, SUBCOMMANDS[sub as keyof typeof SUBCOMMANDS]);
  const given = values as Record<string, unknown>;
  // The same words as each run's own check, so the line does not depend on which one caught it.
  const needs = (flag: string, why: string) => {
    if (given[flag] === undefined) throw new UsageError(why);
  };
  if (sub === 'export') needs('out', '--out DIR is required');
  if (sub === 'verify' && !positionals.length) throw new UsageError('no export DIR given');
  if (sub === 'key') {
    if (positionals[0] !== 'new' || positionals.length > 1)
      throw new UsageError(`expected 'key new', got 'key ${positionals.join(' ')}'`);
    needs('out', '--out FILE is required');
  }
  if (sub === 'rotate-key') {
    needs('new', '--new FILE is required (where the new key is written)');
    needs('reason', '--reason is required');
  }
  if (!['verify', 'key'].includes(sub) && positionals.length)
    throw new UsageError(`unexpected argument '${positionals[0]}'`);
  return { sub, rest };
}

export const evidenceCommand: Command = {
  name: 'evidence',
  summary: 'export signed, chained evidence of remediations; verify it; archive it to S3 on a schedule',
  usage,
  parse: parseEvidenceArgs,
  async run(argv, io) {
    const { sub, rest } = parseEvidenceArgs(argv);
    if (sub === 'export') return runExport(rest, io);
    if (sub === 'verify') return runVerify(rest, io);
    if (sub === 'key') return runKey(rest, io);
    if (sub === 'schedule') return runSchedule(rest, io);
    if (sub === 'rotate-key') return runRotateKey(rest, io);
    throw new UsageError(
      sub
        ? `unknown subcommand '${sub}' (export, verify, schedule, key or rotate-key)`
        : 'export, verify, schedule, key or rotate-key?',
    );
  },
};
