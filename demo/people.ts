// The demo's reviewers: real Ed25519 key pairs, written as a directory file the worker reads (NHI_DIRECTORY_FILE).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { PUBLIC_KEY_PREFIX } from '../schemas/directory.ts';
import { newKeyPair } from '../schemas/signed-decision.ts';

export interface DemoPerson {
  id: string;
  groups: string[];
  secretKey: string;
  publicKey: string;
}

export const directoryYaml = (people: ReadonlyArray<Omit<DemoPerson, 'secretKey'>>): string =>
  stringify({
    version: 1,
    people: people.map((p) => ({ id: p.id, groups: p.groups, keys: [`${PUBLIC_KEY_PREFIX}${p.publicKey}`] })),
  });

/** Alice reviews for security; Paul is in security too, but also in team-payments, which owns the demo user. */
export function demoPeople(dir: string): { alice: DemoPerson; paul: DemoPerson; file: string } {
  const alice = { id: 'alice@example.com', groups: ['security'], ...newKeyPair() };
  const paul = { id: 'paul@example.com', groups: ['security', 'team-payments'], ...newKeyPair() };
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'directory.yaml');
  writeFileSync(file, directoryYaml([alice, paul]));
  return { alice, paul, file };
}
