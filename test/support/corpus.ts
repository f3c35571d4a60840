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
