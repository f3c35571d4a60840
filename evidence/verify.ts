// `nhi evidence verify`: trust nothing in an export on its own. Recompute every file's hash, the manifest's hash
// and signature, derive every summary again from its histories and render the report again, list what is
// missing or was added, and check each export's link to the one before it.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { canonicalJson, sha256 } from './canonical.ts';
import { CASE_KINDS } from './case-kinds.ts';
import type { CaseSummary } from './case-summary.ts';
import { headProblem, type SignedHead } from './chain-head.ts';
import { runFromJson } from './history-json.ts';
import { KEY_ROTATION_FILE, type KeyRotation, parseRotation, rotationProblem } from './key-rotation.ts';
import {
  firstIssue,
  MANIFEST_FILE,
  Manifest,
  type ManifestCase,
  SIGNATURE_FILE,
  Signature,
} from './manifest.ts';
import { renderReport } from './report.ts';
import { verifySignature } from './signing-key.ts';
import { deriveRemediationSummary, followUpStarted, type RunEvents } from './summary.ts';

export interface VerifyProblem {
  /** The export directory. */
  dir: string;
  /** The file (relative to dir) or record the problem is about, or 'chain'. */
  subject: string;
  problem: string;
}

export interface VerifiedExport {
  dir: string;
  manifest?: Manifest;
  manifestSha256?: string;
}

export interface VerifyResult {
  ok: boolean;
  exports: VerifiedExport[];
  problems: VerifyProblem[];
}

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory()
      ? listFiles(full, base)
      : [relative(base, full).split('\\').join('/')];
  });
}

/** The first JSON path where two values differ, with both values shown briefly. */
export function firstDifference(expected: unknown, actual: unknown, path = ''): string | undefined {
  const show = (v: unknown) => {
    const t = JSON.stringify(v) ?? 'undefined';
    return t.length > 80 ? `${t.slice(0, 79)}…` : t;
  };
  if (canonicalJson(expected) === canonicalJson(actual)) return undefined;
  const isObj = (v: unknown) => typeof v === 'object' && v !== null;
  if (isObj(expected) && isObj(actual) && Array.isArray(expected) === Array.isArray(actual)) {
    const keys = [...new Set([...Object.keys(expected as object), ...Object.keys(actual as object)])];
    for (const k of keys) {
      const sub = Array.isArray(expected) ? `${path}[${k}]` : path ? `${path}.${k}` : k;
      const d = firstDifference(
        (expected as Record<string, unknown>)[k],
        (actual as Record<string, unknown>)[k],
        sub,
      );
      if (d) return d;
    }
  }
  return `${path || '(whole)'}: history says ${show(expected)}, file says ${show(actual)}`;
}

export function verifyExport(dir: string, opts: { publicKey?: string } = {}): VerifyResult & VerifiedExport {
  const problems: VerifyProblem[] = [];
  const fail = (subject: string, problem: string) => problems.push({ dir, subject, problem });
  const done = (manifest?: Manifest, manifestSha256?: string) => ({
    ok: problems.length === 0,
    dir,
    manifest,
    manifestSha256,
    exports: [{ dir, manifest, manifestSha256 }],
    problems,
  });

  if (!existsSync(join(dir, MANIFEST_FILE))) {
    fail(MANIFEST_FILE, 'missing');
    return done();
  }
  const manifestBytes = readFileSync(join(dir, MANIFEST_FILE));
  const manifestSha256 = sha256(manifestBytes);

  // The signature first: it says whether the manifest can be believed at all.
  let sig: Signature | undefined;
  if (!existsSync(join(dir, SIGNATURE_FILE))) fail(SIGNATURE_FILE, 'missing');
  else {
    try {
      const parsed = Signature.safeParse(JSON.parse(readFileSync(join(dir, SIGNATURE_FILE), 'utf8')));
      if (parsed.success) sig = parsed.data;
      else fail(SIGNATURE_FILE, `invalid: ${firstIssue(parsed.error)}`);
    } catch (error) {
      fail(SIGNATURE_FILE, `not JSON: ${(error as Error).message}`);
    }
    if (sig) {
      if (opts.publicKey && sig.publicKey !== opts.publicKey)
        fail(SIGNATURE_FILE, `signed by key ${sig.publicKey}, not the expected ${opts.publicKey}`);
      if (sig.manifestSha256 !== manifestSha256)
        fail(
          MANIFEST_FILE,
          `changed since it was signed (sha256 ${manifestSha256}, signed ${sig.manifestSha256})`,
        );
      if (!verifySignature(opts.publicKey ?? sig.publicKey, manifestBytes, sig.signature))
        fail(SIGNATURE_FILE, 'the signature does not verify over manifest.json');
    }
  }

  let manifest: Manifest;
  try {
    const parsed = Manifest.safeParse(JSON.parse(manifestBytes.toString('utf8')));
    if (!parsed.success) {
      fail(MANIFEST_FILE, `invalid: ${firstIssue(parsed.error)}`);
      return done(undefined, manifestSha256);
    }
    manifest = parsed.data;
  } catch (error) {
    fail(MANIFEST_FILE, `not JSON: ${(error as Error).message}`);
    return done(undefined, manifestSha256);
  }
  if (opts.publicKey && manifest.publicKey !== opts.publicKey)
    fail(MANIFEST_FILE, `names key ${manifest.publicKey}, not the expected ${opts.publicKey}`);
  // The chain believes the manifest's key: the signature must be by that same key.
  if (sig && sig.publicKey !== manifest.publicKey)
    fail(SIGNATURE_FILE, `signed by key ${sig.publicKey}, but the manifest names ${manifest.publicKey}`);

  // Order is part of the record: files are listed sorted by path, each once.
  manifest.files.forEach((f, i) => {
    const prev = manifest.files[i - 1];
    if (prev && !(prev.path < f.path))
      fail(MANIFEST_FILE, `files out of order at entry ${i + 1}: ${f.path} after ${prev.path}`);
  });

  const intact = new Set<string>();
  for (const f of manifest.files) {
    const full = join(dir, f.path);
    if (!existsSync(full)) {
      fail(f.path, 'missing');
      continue;
    }
    const bytes = readFileSync(full);
    const digest = sha256(bytes);
    if (digest !== f.sha256) fail(f.path, `changed (sha256 ${digest}, manifest ${f.sha256})`);
    else if (bytes.length !== f.bytes) fail(f.path, `changed (${bytes.length} bytes, manifest ${f.bytes})`);
    else intact.add(f.path);
  }
  const listed = new Set([MANIFEST_FILE, SIGNATURE_FILE, ...manifest.files.map((f) => f.path)]);
  for (const path of listFiles(dir).sort()) if (!listed.has(path)) fail(path, 'added (not in the manifest)');

  // Summaries are never trusted on their own: derive each from its histories again.
  const read = (path: string) => readFileSync(join(dir, path), 'utf8');
  const runsOf = (paths: string[]): RunEvents[] => paths.map((p) => runFromJson(read(p)));
  /**
   * Every decision that counted carries a signature its directory snapshot verifies, and the written summary equals
   * the one derived again from the histories.
   */
  const checkAgainstWritten = (
    summaryPath: string,
    derived: {
      decisions: readonly {
        signatureValid?: boolean;
        outcome: string;
        kind: string;
        by?: string;
        at: string;
      }[];
    },
  ) => {
    for (const d of derived.decisions)
      if (d.signatureValid === false && d.outcome === 'accepted')
        fail(
          summaryPath,
          `the ${d.kind} by ${d.by} at ${d.at} has a signature its directory snapshot does not verify`,
        );
    let written: unknown;
    try {
      written = JSON.parse(read(summaryPath));
    } catch (error) {
      fail(summaryPath, `not JSON: ${(error as Error).message}`);
      return;
    }
    const diff = firstDifference(JSON.parse(JSON.stringify(derived)), written);
    if (diff) fail(summaryPath, `differs from its history at ${diff}`);
  };
  const summaries = [];
  const others: CaseSummary[] = [];
  let othersAll = 0;
  for (const c of manifest.cases) {
    const needed = [
      ...c.histories,
      ...(c.kind === 'remediation'
        ? [...c.identityHistories, ...(c.followUpHistories ?? []), c.summary]
        : c.kind === 'workflow'
          ? []
          : [c.summary]),
    ];
    for (const p of needed)
      if (!manifest.files.some((f) => f.path === p))
        fail(
          p,
          `named by case ${c.kind === 'remediation' || c.kind === 'workflow' ? c.workflowId : c.id} but not in the manifest`,
        );
    if (c.kind === 'workflow') continue;
    if (c.kind !== 'remediation') {
      othersAll++;
      if (!needed.every((p) => existsSync(join(dir, p)))) continue;
      let derived: CaseSummary | undefined;
      try {
        derived = CASE_KINDS[c.kind].derive(runsOf(c.histories)).find((x) => x.id === c.id);
      } catch (error) {
        fail(c.summary, `cannot be derived again: ${(error as Error).message}`);
        continue;
      }
      if (!derived) {
        fail(c.summary, `its histories hold no ${c.kind} ${c.id}`);
        continue;
      }
      others.push(derived);
      checkAgainstWritten(c.summary, derived);
      continue;
    }
    // A missing history is named above ('missing'); the summary is then not derived again from a partial record.
    if (!needed.every((p) => existsSync(join(dir, p)))) continue;
    // A remediation that executed started its follow-up: leaving that history out hides a rollback or a drift.
    // A history that no longer parses was named above ('changed'); say the summary cannot be checked, not throw.
    let own: RunEvents[];
    try {
      own = runsOf(c.histories);
    } catch (error) {
      fail(c.summary, `cannot be derived again: ${(error as Error).message}`);
      continue;
    }
    const followUpId = followUpStarted(own);
    if (followUpId && !c.followUpHistories?.length)
      fail(c.summary, `its history started follow-up ${followUpId}, whose history is not in the export`);
    let derived: ReturnType<typeof deriveSummary>;
    try {
      derived = deriveSummary(c, runsOf);
    } catch (error) {
      fail(c.summary, `cannot be derived again: ${(error as Error).message}`);
      continue;
    }
    summaries.push(derived);
    checkAgainstWritten(c.summary, derived);
  }

  // The report is rendered from the derived summaries: what the reviewer reads is what the histories say.
  const casesAll = manifest.cases.filter((c) => c.kind === 'remediation').length;
  if (summaries.length === casesAll && others.length === othersAll) {
    const report = renderReport(summaries, manifest, others);
    for (const [path, text] of [
      ['report.md', report.markdown],
      ['report.html', report.html],
    ] as const) {
      if (!existsSync(join(dir, path))) continue; // reported as missing above
      if (read(path) !== text) fail(path, 'differs from the report the histories give');
    }
  }
  return done(manifest, manifestSha256);
}

function deriveSummary(
  c: Extract<ManifestCase, { kind: 'remediation' }>,
  runsOf: (p: string[]) => RunEvents[],
) {
  return deriveRemediationSummary(
    runsOf(c.histories),
    runsOf(c.identityHistories),
    runsOf(c.followUpHistories ?? []),
  );
}

export interface ChainOptions {
  /**
   * The trusted public key, from outside the exports (`--key`, or the configured one). Every export must be signed
   * by it, or by a key a signed key-rotation record links to it. Absent: integrity only (the library's callers).
   */
  publicKey?: string;
  /** The signed chain head kept apart from the exports: the newest export given must be the one it names. */
  head?: SignedHead | null;
}

/** The key-rotation record an export carries (listed in its manifest), or undefined; a broken one is a problem. */
function rotationOf(e: VerifiedExport, problems: VerifyProblem[]): KeyRotation | undefined {
  if (!e.manifest?.files.some((f) => f.path === KEY_ROTATION_FILE)) return undefined;
  const file = join(e.dir, KEY_ROTATION_FILE);
  if (!existsSync(file)) return undefined; // named as missing by verifyExport
  try {
    const record = parseRotation(readFileSync(file, 'utf8'), KEY_ROTATION_FILE);
    const why = rotationProblem(record);
    if (why) problems.push({ dir: e.dir, subject: KEY_ROTATION_FILE, problem: why });
    else if (record.to !== e.manifest.publicKey)
      problems.push({
        dir: e.dir,
        subject: KEY_ROTATION_FILE,
        problem: `hands over to key ${record.to}, but the export is signed by ${e.manifest.publicKey}`,
      });
    else return record;
  } catch (error) {
    problems.push({ dir: e.dir, subject: KEY_ROTATION_FILE, problem: (error as Error).message });
  }
  return undefined;
}

/**
 * Several exports of one chain (any order): each verified, then every link between consecutive sequences, every
 * change of key (only across a key-rotation record both keys signed), the trusted key, and the signed chain head.
 */
export function verifyChain(dirs: string[], opts: ChainOptions = {}): VerifyResult {
  const results = dirs.map((d) => verifyExport(d));
  const problems = results.flatMap((r) => r.problems);
  const exports = results
    .filter((r) => r.manifest)
    .sort((a, b) => (a.manifest?.sequence ?? 0) - (b.manifest?.sequence ?? 0));
  const rotations = new Map(exports.map((e) => [e, rotationOf(e, problems)]));

  // The keys to believe: the trusted one, and every key a valid rotation record links to a believed key.
  const trusted = new Set<string>(
    opts.publicKey ? [opts.publicKey] : exports.map((e) => e.manifest!.publicKey),
  );
  for (let grew = true; grew; ) {
    grew = false;
    for (const r of rotations.values())
      if (r && trusted.has(r.from) !== trusted.has(r.to)) {
        trusted.add(r.from);
        trusted.add(r.to);
        grew = true;
      }
  }
  for (const e of exports)
    if (!trusted.has(e.manifest!.publicKey))
      problems.push({
        dir: e.dir,
        subject: SIGNATURE_FILE,
        problem: `export #${e.manifest!.sequence} is signed by key ${e.manifest!.publicKey}, not the trusted key ${opts.publicKey} nor one a key-rotation record links to it`,
      });

  for (const [i, cur] of exports.entries()) {
    const m = cur.manifest!;
    const prev = exports[i - 1];
    if (!prev) continue;
    const p = prev.manifest!;
    if (m.sequence === p.sequence) {
      problems.push({
        dir: cur.dir,
        subject: 'chain',
        problem: `export #${m.sequence} appears twice (${prev.dir})`,
      });
      continue;
    }
    if (m.sequence !== p.sequence + 1)
      problems.push({
        dir: cur.dir,
        subject: 'chain',
        problem: `export #${m.sequence} follows #${p.sequence} (${prev.dir}): export(s) #${p.sequence + 1}${m.sequence - 1 > p.sequence + 1 ? `–#${m.sequence - 1}` : ''} missing`,
      });
    else if (m.previous?.manifestSha256 !== prev.manifestSha256)
      problems.push({
        dir: cur.dir,
        subject: 'chain',
        problem: `export #${m.sequence} names previous manifest ${m.previous?.manifestSha256 ?? 'none'}, but #${p.sequence} (${prev.dir}) has ${prev.manifestSha256}`,
      });
    const rotation = rotations.get(cur);
    // An export whose key is not trusted at all is named once above.
    if (
      trusted.has(m.publicKey) &&
      m.publicKey !== p.publicKey &&
      !(rotation?.from === p.publicKey && rotation.to === m.publicKey)
    )
      problems.push({
        dir: cur.dir,
        subject: 'chain',
        problem: `export #${m.sequence} is signed by key ${m.publicKey} but #${p.sequence} by ${p.publicKey}, and no key-rotation record signed by ${p.publicKey} links them`,
      });
  }

  if (opts.head) {
    const head = opts.head;
    const why = headProblem(head, trusted);
    const newest = exports.at(-1);
    if (why) problems.push({ dir: newest?.dir ?? '(none)', subject: 'chain head', problem: why });
    else if (!newest || newest.manifest!.sequence < head.sequence)
      problems.push({
        dir: newest?.dir ?? '(none)',
        subject: 'chain head',
        problem: `the signed chain head names export #${head.sequence}, but the newest export given is ${newest ? `#${newest.manifest!.sequence}` : 'none'}: export(s) up to #${head.sequence} missing`,
      });
    else if (newest.manifest!.sequence > head.sequence)
      problems.push({
        dir: newest.dir,
        subject: 'chain head',
        problem: `export #${newest.manifest!.sequence} is newer than the signed chain head (#${head.sequence})`,
      });
    else if (newest.manifestSha256 !== head.manifestSha256)
      problems.push({
        dir: newest.dir,
        subject: 'chain head',
        problem: `export #${head.sequence} has manifest ${newest.manifestSha256}, the signed chain head ${head.manifestSha256}`,
      });
  }
  return { ok: problems.length === 0, exports: results, problems };
}

/** The exports under `dir`: itself when it holds a manifest, else its subdirectories that do. */
export function exportDirs(dir: string): string[] {
  if (existsSync(join(dir, MANIFEST_FILE))) return [dir];
  if (!existsSync(dir)) return [dir];
  return readdirSync(dir)
    .map((n) => join(dir, n))
    .filter((p) => statSync(p).isDirectory() && existsSync(join(p, MANIFEST_FILE)))
    .sort();
}
