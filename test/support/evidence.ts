// A throwaway evidence key for tests (a real Ed25519 key in a temp dir).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EvidenceSigner, evidenceSigner } from '../../evidence/signing-key.ts';

export function testSigner(): EvidenceSigner & { keyFile: string } {
  const keyFile = join(mkdtempSync(join(tmpdir(), 'nhi-evidence-key-')), 'evidence.json');
  return { ...evidenceSigner(keyFile, { create: true }), keyFile };
}
