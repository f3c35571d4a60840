// The contract every input format implements. Adapters are pure: parsed JSON in, canonical findings out.
import type { Finding, Format } from '../finding.ts';

export interface NormalizeContext {
  /** HMAC key for secret fingerprints (see redaction.ts). */
  fingerprintKey: string;
  /** The key being rotated out, during a rotation window: secrets get a fingerprint under it too. */
  previousFingerprintKey?: string;
  /** Every raw secret value the adapter saw; the boundary scrubs them out of all it returns. */
  secrets: Set<string>;
  /**
   * When the input arrived (Kafka message timestamp, file modification time): the time of a finding whose tool
   * wrote none. Absent, such findings carry the Unix epoch, which marks the time as unknown.
   */
  receivedAt?: string;
}

export interface Adapter {
  format: Format;
  /** One line for `--format auto` errors: what this adapter looks for. */
  signature: string;
  /** Does this parsed document (a whole file, or one record of it) look like this format? */
  detect(doc: unknown): boolean;
  /** A whole file's document → its records (unwrapping arrays and envelopes). A record maps to itself. */
  records(doc: unknown): unknown[];
  /**
   * Which of the format's shapes or report modes this document is (`eventbridge`, `k8s-cluster`, `v7`…): `auto`
   * names it as `<format>/<variant>` in `nhi normalize` and in each finding's `source.variant`.
   */
  variant(doc: unknown): string;
  /** One record → zero or more findings. Throws RecordError with a readable reason on bad input. */
  normalize(record: unknown, ctx: NormalizeContext): Finding[];
}

/** A record the adapter cannot use; the message is one readable line for the user and the DLQ. */
export class RecordError extends Error {}

/**
 * A record of a type its tool documents that carries nothing to act on (a Security Hub insight's counts, a
 * GuardDuty finding type that names no identity): zero findings and not an error. The message names the type and
 * why, e.g. "asff: Security Hub Insight Results event (counts per insight, no findings): skipped".
 */
export class RecordSkipped extends Error {}
