// Rotating the fingerprint key: during the window a secret is fingerprinted under the new key and the previous
// one, and its identity (keyed under the new key) names its previous-key identity as an alias.
import { describe, expect, it } from 'vitest';
import { secretIdentity } from '../../../schemas/identity-keys.ts';
import {
  fingerprint,
  fingerprintKeyFromEnv,
  previousFingerprintKeyFromEnv,
} from '../../../schemas/redaction.ts';
import { findingsOf } from '../../support/normalize.ts';

const OLD = 'old-fingerprint-key-being-retired';
const NEW = 'new-fingerprint-key-after-rotation';
const SECRET = 'ghp_rotationCanary0123456789abcdefABCDEF';
const gitleaks = JSON.stringify([
  {
    RuleID: 'github-pat',
    Description: 'GitHub Personal Access Token',
    File: 'src/config.ts',
    StartLine: 3,
    Secret: SECRET,
    Match: `token = "${SECRET}"`,
    Commit: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    Date: '2024-01-02T03:04:05Z',
  },
]);

describe('fingerprint key rotation', () => {
  it('reads the previous key from NHI_FINGERPRINT_KEY_PREVIOUS, ignoring it when equal to the current key', () => {
    expect(
      previousFingerprintKeyFromEnv({ NHI_FINGERPRINT_KEY: NEW, NHI_FINGERPRINT_KEY_PREVIOUS: OLD }),
    ).toBe(OLD);
    expect(
      previousFingerprintKeyFromEnv({ NHI_FINGERPRINT_KEY: NEW, NHI_FINGERPRINT_KEY_PREVIOUS: NEW }),
    ).toBe(undefined);
    expect(previousFingerprintKeyFromEnv({ NHI_FINGERPRINT_KEY: NEW })).toBe(undefined);
    expect(fingerprintKeyFromEnv({ NHI_FINGERPRINT_KEY: NEW, NHI_FINGERPRINT_KEY_PREVIOUS: OLD })).toBe(NEW);
  });

  it('outside a window: one fingerprint, no alias', () => {
    const [f] = findingsOf(gitleaks, { format: 'gitleaks', fingerprintKey: OLD });
    expect(f!.secret!.fingerprint).toBe(fingerprint(SECRET, OLD));
    expect(f!.secret!.previousFingerprint).toBeUndefined();
    expect(f!.identities[0]!.aliases).toEqual([]);
  });

  it('during a window: both fingerprints; the new identity names the old identity key as an alias', () => {
    const [before] = findingsOf(gitleaks, { format: 'gitleaks', fingerprintKey: OLD });
    const [during] = findingsOf(gitleaks, {
      format: 'gitleaks',
      fingerprintKey: NEW,
      previousFingerprintKey: OLD,
    });
    expect(during!.secret!.fingerprint).toBe(fingerprint(SECRET, NEW));
    expect(during!.secret!.previousFingerprint).toBe(fingerprint(SECRET, OLD));
    const identity = during!.identities[0]!;
    expect(identity.key).toBe(secretIdentity('github', fingerprint(SECRET, NEW)).key);
    // The identity the same secret had before the rotation is reachable from the new one.
    expect(identity.aliases).toContain(before!.identities[0]!.key);
    expect(JSON.stringify(during)).not.toContain(SECRET);
  });

  it("the consumers' path reads the previous key from NHI_FINGERPRINT_KEY_PREVIOUS", () => {
    const saved = process.env.NHI_FINGERPRINT_KEY_PREVIOUS;
    process.env.NHI_FINGERPRINT_KEY_PREVIOUS = OLD;
    try {
      const findings = findingsOf(gitleaks, { format: 'gitleaks', fingerprintKey: NEW });
      expect(findings).toHaveLength(1);
      expect(findings[0]!.secret!.previousFingerprint).toBe(fingerprint(SECRET, OLD));
    } finally {
      if (saved === undefined) delete process.env.NHI_FINGERPRINT_KEY_PREVIOUS;
      else process.env.NHI_FINGERPRINT_KEY_PREVIOUS = saved;
    }
  });
});
