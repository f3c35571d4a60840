// Key files of the people who sign decisions: one JSON file per person, mode 0600, outside the repository
// (NHI_KEYS_DIR, default ~/.config/nhi-enforce/keys). The private key never leaves this machine.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { canonicalPerson } from '../schemas/directory.ts';
import { newKeyPair, publicKeyOf } from '../schemas/signed-decision.ts';
import { CommandError, UsageError } from './command.ts';
import type { Signer } from './decisions.ts';

export const keysDir = (): string =>
  process.env.NHI_KEYS_DIR || join(homedir(), '.config', 'nhi-enforce', 'keys');

const EMAIL = /^[^\s@/\\]+@[^\s@/\\]+\.[^\s@/\\]+$/;

/** The canonical id from `--as`, or a UsageError. */
export function personArg(value: string | undefined): string {
  if (!value?.trim()) throw new UsageError('--as WHO is required (your email, as in the directory)');
  const person = canonicalPerson(value);
  if (!EMAIL.test(person)) throw new UsageError(`--as '${value}' is not an email address`);
  return person;
}

export const keyFileOf = (person: string): string => join(keysDir(), `${person}.key`);

export function writeKeyPair(person: string, force: boolean): { file: string; publicKey: string } {
  const file = keyFileOf(person);
  if (existsSync(file) && !force)
    throw new CommandError(`${file} exists already (--force replaces it; the old key then stops working)`);
  mkdirSync(keysDir(), { recursive: true, mode: 0o700 });
  const { secretKey, publicKey } = newKeyPair();
  writeFileSync(file, `${JSON.stringify({ person, publicKey, secretKey })}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // an existing file keeps its mode on write
  return { file, publicKey };
}

/** The signer for `--as WHO [--key FILE]`; one line when the file is missing, unreadable or someone else's. */
export function loadSigner(person: string, file = keyFileOf(person)): Signer {
  if (!existsSync(file))
    throw new CommandError(`no key file ${file} (create one with: nhi keys new --as ${person})`);
  if ((statSync(file).mode & 0o077) !== 0)
    throw new CommandError(`${file} is readable by others: chmod 600 it first`);
  let parsed: { person?: unknown; secretKey?: unknown };
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CommandError(`${file} is not a key file (${(error as Error).message})`);
  }
  if (typeof parsed.secretKey !== 'string' || !/^[0-9a-f]{64}$/.test(parsed.secretKey))
    throw new CommandError(`${file} holds no Ed25519 secret key`);
  if (typeof parsed.person === 'string' && parsed.person !== person)
    throw new CommandError(`${file} is ${parsed.person}'s key, not ${person}'s`);
  publicKeyOf(parsed.secretKey); // fails loudly on a corrupt key now, not as a "bad signature" later
  return { person, secretKey: parsed.secretKey };
}
