// A person's decision, signed with their Ed25519 key over exactly what they decide: which workflow run, which plan
// (by hash), which act, who, why and when. Pure JS (@noble/curves): workflows verify it deterministically, and
// evidence can verify it again later from the history alone.
//
// Version 2 (every decision signed since) also signs a nonce, so one signed message counts once: a workflow keeps
// the nonces it accepted and refuses a replay. Version 1 decisions (no nonce) still verify, so histories recorded
// before stay verifiable; workflows accept them only on the code paths recorded before (patched()).
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * Every act a person signs: a remediation's approve/reject, an exception's request/approve/reject/revoke, a
 * rollback, a pause or resume of enforcement (resume also closes the breaker), a registry change (register,
 * remove), a just-in-time access request or revocation, a workflow's cancellation, a remediation's retry.
 */
export type DecisionKind =
  | 'approve'
  | 'reject'
  | 'request'
  | 'revoke'
  | 'rollback'
  | 'pause'
  | 'resume'
  | 'register'
  | 'remove'
  | 'cancel'
  /** Re-propose an ended remediation (`nhi remediation retry`). */
  | 'retry';

/**
 * What is signed. For a remediation: its workflow id, run id and plan hash. For an exception: the identity
 * workflow's id, the request id (`runId`; `new` when requesting) and the hash of the exception's terms (`planHash`).
 */
export interface DecisionClaims {
  workflowId: string;
  runId: string;
  planHash: string;
  decision: DecisionKind;
  person: string;
  reason: string;
  /** ISO 8601, when the person signed: the workflow refuses it outside the policy's skew of its own time. */
  time: string;
  /** 2 for every decision signed now (signs `nonce` too); absent in version 1 decisions. */
  version?: 2;
  /** Random, hex: a workflow counts one nonce once (a replayed decision is refused). */
  nonce?: string;
}

export interface SignedDecision extends DecisionClaims {
  /** Ed25519 signature over decisionMessage(claims), hex. */
  signature: string;
}

const DOMAIN = 'nhi-enforce decision v1\n';
const DOMAIN_V2 = 'nhi-enforce decision v2\n';

/** The exact bytes signed: a fixed prefix (per version) and the claims as a JSON array in a fixed order. */
export function decisionMessage(c: DecisionClaims): Uint8Array {
  const claims = [c.workflowId, c.runId, c.planHash, c.decision, c.person, c.reason, c.time];
  return c.version === 2
    ? utf8ToBytes(DOMAIN_V2 + JSON.stringify([...claims, c.nonce]))
    : utf8ToBytes(DOMAIN + JSON.stringify(claims));
}

/** Signs a version 2 decision (a fresh nonce unless one is given); `version: 1` signs the old form (tests). */
export function signDecision(
  claims: Omit<DecisionClaims, 'version'> & { version?: 1 | 2 },
  secretKeyHex: string,
): SignedDecision {
  const { version, ...rest } = claims;
  const full: DecisionClaims =
    version === 1
      ? { ...rest, nonce: undefined }
      : { ...rest, version: 2, nonce: rest.nonce ?? bytesToHex(randomBytes(16)) };
  if (version === 1) delete full.nonce;
  const signature = bytesToHex(ed25519.sign(decisionMessage(full), hexToBytes(secretKeyHex)));
  return { ...full, signature };
}

/** True when one of the person's keys (hex) verifies the signature. Never throws on malformed input. */
export function verifyDecision(d: SignedDecision, publicKeysHex: readonly string[]): boolean {
  if (typeof d.signature !== 'string' || !/^[0-9a-f]{128}$/i.test(d.signature)) return false;
  if (d.version !== undefined && d.version !== 2) return false;
  if (d.version === 2 && (typeof d.nonce !== 'string' || !/^[0-9a-f]{16,128}$/.test(d.nonce))) return false;
  const message = decisionMessage(d);
  const signature = hexToBytes(d.signature.toLowerCase());
  return publicKeysHex.some((key) => {
    try {
      return ed25519.verify(signature, message, hexToBytes(key));
    } catch {
      return false;
    }
  });
}

export function newKeyPair(): { secretKey: string; publicKey: string } {
  const secret = ed25519.utils.randomSecretKey();
  return { secretKey: bytesToHex(secret), publicKey: bytesToHex(ed25519.getPublicKey(secret)) };
}

export function publicKeyOf(secretKeyHex: string): string {
  return bytesToHex(ed25519.getPublicKey(hexToBytes(secretKeyHex)));
}

/** Canonical JSON (object keys sorted), so a hash does not depend on property order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** SHA-256 of the canonical JSON, hex: a plan's or an exception's terms' hash. */
export const hashOf = (value: unknown): string => bytesToHex(sha256(utf8ToBytes(canonicalJson(value))));
