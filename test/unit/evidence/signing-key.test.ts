// The evidence key: Ed25519 sign and verify, key files checked on read, public keys given as hex or in a file.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  evidenceSigner,
  newEvidenceKey,
  readEvidenceKey,
  readPublicKey,
  verifySignature,
  writeEvidenceKey,
} from '../../../evidence/signing-key.ts';

const dir = mkdtempSync(join(tmpdir(), 'nhi-key-'));

describe('evidence key', () => {
  it('signs; the signature verifies with its public key only, over the same bytes only', () => {
    const signer = evidenceSigner(join(dir, 'a.json'), { create: true });
    const message = Buffer.from('manifest bytes');
    const signature = signer.sign(message);
    expect(verifySignature(signer.publicKey, message, signature)).toBe(true);
    expect(verifySignature(signer.publicKey, Buffer.from('manifest bytez'), signature)).toBe(false);
    expect(verifySignature(newEvidenceKey().publicKey, message, signature)).toBe(false);
    expect(verifySignature(signer.publicKey, message, 'zz')).toBe(false);
  });

  it('is written private (0600) and read back whole', () => {
    const key = newEvidenceKey();
    writeEvidenceKey(join(dir, 'b.json'), key);
    expect(statSync(join(dir, 'b.json')).mode & 0o777).toBe(0o600);
    expect(readEvidenceKey(join(dir, 'b.json'))).toEqual(key);
  });

  it('a key file whose halves do not belong together, or is malformed, is refused with one line', () => {
    const key = { ...newEvidenceKey(), publicKey: newEvidenceKey().publicKey };
    writeFileSync(join(dir, 'c.json'), JSON.stringify(key));
    expect(() => readEvidenceKey(join(dir, 'c.json'))).toThrow(/publicKey does not belong to secretKey/);
    writeFileSync(join(dir, 'd.json'), JSON.stringify({ type: 'ed25519' }));
    expect(() => readEvidenceKey(join(dir, 'd.json'))).toThrow(/^evidence key .*d\.json: use /);
  });

  it('a public key is read from hex, a key file or a signature file', () => {
    const key = newEvidenceKey();
    writeEvidenceKey(join(dir, 'e.json'), key);
    expect(readPublicKey(key.publicKey.toUpperCase())).toBe(key.publicKey);
    expect(readPublicKey(join(dir, 'e.json'))).toBe(key.publicKey);
    writeFileSync(join(dir, 'e.pub'), `${key.publicKey}\n`);
    expect(readPublicKey(join(dir, 'e.pub'))).toBe(key.publicKey);
    expect(() => readPublicKey('nope')).toThrow(/not an Ed25519 public key/);
    expect(readFileSync(join(dir, 'e.json'), 'utf8')).toContain('"use": "evidence"');
  });
});
