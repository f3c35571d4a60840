// Fingerprint key rotation: a secret seen before the rotation (identity under the old key) and again during the
// window (normalised under both keys) stays on its identity; a secret first seen in the window starts under the
// new key; outside a window nothing is looked up.
import { describe, expect, it } from 'vitest';
import { keepRotatedSecretsTogether } from '../../../consumers/rotated-secrets.ts';
import { findingsOf } from '../../support/normalize.ts';

const OLD = 'old-fingerprint-key-being-retired';
const NEW = 'new-fingerprint-key-after-rotation';
const gitleaks = (secret: string) =>
  JSON.stringify([
    {
      RuleID: 'github-pat',
      Description: 'GitHub Personal Access Token',
      File: 'src/config.ts',
      StartLine: 3,
      Secret: secret,
      Match: `token = "${secret}"`,
      Commit: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
      Date: '2024-01-02T03:04:05Z',
    },
  ]);
const KNOWN = 'ghp_rotationKnown0123456789abcdefABCDEFGH';
const FIRST_SEEN = 'ghp_rotationFresh0123456789abcdefABCDEFGH';

describe('keepRotatedSecretsTogether', () => {
  const before = findingsOf(gitleaks(KNOWN), { format: 'gitleaks', fingerprintKey: OLD })[0]!;
  const oldKey = before.identities[0]!.key;
  const known = new Set([oldKey]);
  const asked: string[] = [];
  const exists = async (key: string) => {
    asked.push(key);
    return known.has(key);
  };
  const during = (secret: string) =>
    findingsOf(gitleaks(secret), {
      format: 'gitleaks',
      fingerprintKey: NEW,
      previousFingerprintKey: OLD,
    })[0]!;

  it('a secret known under the old key keeps that identity; the new key becomes its alias', async () => {
    const f = during(KNOWN);
    const newKey = f.identities[0]!.key;
    expect(newKey).not.toBe(oldKey);
    const [moved] = await keepRotatedSecretsTogether([f], exists);
    expect(moved!.identities[0]!.key).toBe(oldKey);
    expect(moved!.identities[0]!.aliases).toEqual([newKey]);
    expect(moved!.secret).toEqual(f.secret);
  });

  it('a secret first seen in the window starts under the new key', async () => {
    const f = during(FIRST_SEEN);
    const [kept] = await keepRotatedSecretsTogether([f], exists);
    expect(kept).toBe(f);
  });

  it('outside a window (no previous fingerprint) nothing is looked up', async () => {
    asked.length = 0;
    const f = findingsOf(gitleaks(KNOWN), { format: 'gitleaks', fingerprintKey: NEW })[0]!;
    expect(await keepRotatedSecretsTogether([f], exists)).toEqual([f]);
    expect(asked).toEqual([]);
  });
});
