// The shared findings corpus (real outputs of public tools), read-only, beside the checkout as ../shared.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Finding } from '../../schemas/finding.ts';

export const corpusDir = resolve(
  process.env.NHI_CORPUS_DIR ?? join(import.meta.dirname, '..', '..', '..', 'shared', 'findings-corpus'),
);
export const fixturesDir = join(import.meta.dirname, '..', 'fixtures');

export function corpusAvailable(): boolean {
  return existsSync(join(corpusDir, 'MANIFEST.tsv'));
}

export function corpusFile(relative: string): Buffer {
  return readFileSync(join(corpusDir, relative));
}

export function fixtureFile(relative: string): Buffer {
  return readFileSync(join(fixturesDir, relative));
}

export interface ManifestRow {
  file: string;
  format: string;
  findings: string;
  identities: string;
  raw_secret: 'yes' | 'no';
  notes: string;
}

export function readManifest(): ManifestRow[] {
  const [header, ...rows] = readFileSync(join(corpusDir, 'MANIFEST.tsv'), 'utf8').trim().split('\n');
  const cols = header!.split('\t');
  return rows.map(
    (line) => Object.fromEntries(line.split('\t').map((v, i) => [cols[i], v])) as unknown as ManifestRow,
  );
}

/** Every id a finding carries: identity keys, aliases, names, owners, accounts, resource uids. */
export function identifiersOf(findings: Finding[]): Set<string> {
  const ids = new Set<string>();
  for (const f of findings) {
    for (const i of f.identities) {
      for (const v of [i.key, i.name, i.account, i.owner, ...i.aliases]) if (v) ids.add(v);
    }
    for (const r of f.resources) for (const v of [r.uid, r.name, r.account]) if (v) ids.add(v);
    if (f.cloud?.account) ids.add(f.cloud.account);
  }
  return ids;
}

/**
 * Machine-checkable ids in MANIFEST's free-text identities column: ARNs, AWS key and unique ids, account ids.
 * Elided ids ("…/anaya/...") and placeholders ("<account_uid>") cannot be matched verbatim; "envelope account N"
 * names a trap (an EventBridge envelope's account), not an id to extract.
 */
export function manifestIdsIn(text: string): string[] {
  const ids = new Set<string>();
  for (const m of text.matchAll(/arn:aws:[^\s;,()]+/g)) ids.add(m[0].replace(/\.$/, ''));
  for (const m of text.matchAll(/\b(AKIA|ASIA|AIDA|AROA)[A-Z0-9]{12,}\b/g)) ids.add(m[0]);
  for (const m of text.matchAll(/(?<!envelope )\baccount (\d{12})\b/g)) ids.add(m[1]!);
  return [...ids].filter((id) => !id.includes('..') && !id.includes('<') && !id.includes('…'));
}

/** The MANIFEST ids of one corpus file. */
export function manifestIds(file: string): string[] {
  const row = readManifest().find((r) => r.file === file);
  if (!row) throw new Error(`${file} not in MANIFEST.tsv`);
  return manifestIdsIn(row.identities);
}
