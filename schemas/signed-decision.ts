// A person's decision, signed with their Ed25519 key over exactly what they decide: which workflow run, which plan
// (by hash), approve or reject, who, why and when. Pure JS (@noble/curves): workflows verify it deterministically,
// and evidence can verify it again later from the history alone.
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';

export type DecisionKind = 'approve' | 'reject' | 'request' | 'revoke';

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
  /** ISO 8601, when the person signed. */
  time: string;
}

export interface SignedDecision extends DecisionClaims {
  /** Ed25519 signature over decisionMessage(claims), hex. */
  signature: string;
}

const DOMAIN = 'nhi-enforce decision v1\n';

/** The exact bytes signed: a fixed prefix and the claims as a JSON array in a fixed order. */
export function decisionMessage(c: DecisionClaims): Uint8Array {
  return utf8ToBytes(
    DOMAIN + JSON.stringify([c.workflowId, c.runId, c.planHash, c.decision, c.person, c.reason, c.time]),
  );
}

export function signDecision(claims: DecisionClaims, secretKeyHex: string): SignedDecision {
  const signature = bytesToHex(ed25519.sign(decisionMessage(claims), hexToBytes(secretKeyHex)));
  return { ...claims, signature };
}

/** True when one of the person's keys (hex) verifies the signature. Never throws on malformed input. */
export function verifyDecision(d: SignedDecision, publicKeysHex: readonly string[]): boolean {
  if (typeof d.signature !== 'string' || !/^[0-9a-f]{128}$/i.test(d.signature)) return false;
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
