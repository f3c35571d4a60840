// Access key ids made at run time, so no key-shaped string is kept in the repository: well formed (prefix + 16 of
// A–Z and 2–7) and not a documentation placeholder, so the normaliser treats them as real keys.
import { randomInt } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function generatedAccessKeyId(prefix: 'AKIA' | 'ASIA' | 'ABIA' = 'AKIA'): string {
  let id = prefix;
  for (let i = 0; i < 16; i++) id += ALPHABET[randomInt(ALPHABET.length)];
  return id.endsWith('EXAMPLE') ? generatedAccessKeyId(prefix) : id;
}
