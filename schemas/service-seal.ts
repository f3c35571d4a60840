// A service identity's signature on a message one of our processes sends to a workflow (the consumer's findings,
// a remediation's `actDone`, the identity workflow's notices…). Reaching Temporal lets anyone deliver a message;
// only a process holding a service key can seal one, and each service may seal only its own narrow set of messages.
// The seal binds the target workflow id, the message name, the body's hash, a nonce and a time, and is verified
// inside the receiving workflow with public keys that come from the worker's configuration (an activity), never
// from the message or the workflow's input. Pure: used by the senders, the workflows and the tests alike.
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { hashOf } from './signed-decision.ts';

export const SERVICES = ['consumer', 'worker', 'team-worker'] as const;
export type ServiceName = (typeof SERVICES)[number];

/**
 * What each service may send. The consumer only hands findings over; the worker runs our workflows and activities
 * (which send every other service message). A team's worker runs its own actions and sends none of these.
 */
export const SERVICE_MESSAGES: Readonly<Record<ServiceName, readonly string[]>> = {
  consumer: ['findings'],
  worker: [
    'findings',
    'reassess',
    'remediationEnded',
    'accessGrant',
    'riskRevocation',
    'accessUsed',
    'exception',
    'findingsClosed',
    'reserveAct',
    'actDone',
  ],
  'team-worker': [],
};

export interface ServiceSeal {
  service: ServiceName;
  /** Unique per message: a receiver refuses a nonce it has already accepted. */
  nonce: string;
  /** When it was sealed (ISO 8601). */
  at: string;
  /** Ed25519 over `sealedText`, hex. */
  signature: string;
}

/** A message body with its seal alongside; the seal is not part of what it signs. */
export type Sealed<T> = T & { seal?: ServiceSeal };

/** The public keys a worker trusts, hex, per service (from its configuration, never from a message). */
export type ServicePublicKeys = Partial<Record<ServiceName, string>>;

export interface SealClaims {
  /** The workflow the message is for: a seal for one workflow is refused by every other. */
  workflowId: string;
  message: string;
  body: unknown;
  service: ServiceName;
  nonce: string;
  at: string;
}

/** The body as signed: without its seal, canonical JSON, SHA-256. */
export function bodyHash(body: unknown): string {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const { seal: _seal, ...rest } = body as Record<string, unknown>;
    return hashOf(rest);
  }
  return hashOf(body ?? null);
}

export const sealedText = (c: SealClaims): Uint8Array =>
  utf8ToBytes(
    ['nhi-service-message/v1', c.service, c.workflowId, c.message, bodyHash(c.body), c.nonce, c.at].join(
      '\n',
    ),
  );

export function signSeal(c: SealClaims, secretKeyHex: string): ServiceSeal {
  const signature = bytesToHex(ed25519.sign(sealedText(c), hexToBytes(secretKeyHex)));
  return { service: c.service, nonce: c.nonce, at: c.at, signature };
}

/** How far a seal's time may lie in the future of the receiver's clock (clock skew between machines). */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
/**
 * How old a seal may be when it arrives. Generous, because a workflow whose worker was down processes its messages
 * late; within this window the nonce, remembered by the receiver, refuses a replay.
 */
export const MAX_SEAL_AGE_MS = 24 * 3_600_000;

export interface SealCheck {
  workflowId: string;
  message: string;
  body: unknown;
  keys: ServicePublicKeys;
  /** The receiver's time, ms. */
  now: number;
  /** Nonces already accepted (within MAX_SEAL_AGE_MS). */
  seen: (nonce: string) => boolean;
}

const HEX64 = /^[0-9a-f]{128}$/;

/** Why the seal does not authorise this message, or undefined when it does. */
export function sealRefusal(c: SealCheck): string | undefined {
  const seal = (c.body as { seal?: Partial<ServiceSeal> } | null)?.seal;
  if (!seal || typeof seal !== 'object') return 'not sealed by a service identity';
  const service = seal.service;
  if (typeof service !== 'string' || !Object.hasOwn(SERVICE_MESSAGES, service))
    return `sealed by an unknown service '${String(service).slice(0, 40)}'`;
  const name = service as ServiceName;
  if (!SERVICE_MESSAGES[name].includes(c.message)) return `the ${name} service may not send '${c.message}'`;
  const publicKey = Object.hasOwn(c.keys, name) ? c.keys[name] : undefined;
  if (!publicKey) return `no public key is configured for the ${name} service`;
  if (typeof seal.nonce !== 'string' || !seal.nonce || seal.nonce.length > 100)
    return 'the seal has no nonce';
  const at = typeof seal.at === 'string' ? Date.parse(seal.at) : Number.NaN;
  if (Number.isNaN(at)) return 'the seal has no time';
  if (at > c.now + MAX_FUTURE_SKEW_MS) return `sealed in the future (${seal.at})`;
  if (at < c.now - MAX_SEAL_AGE_MS) return `sealed too long ago (${seal.at})`;
  if (typeof seal.signature !== 'string' || !HEX64.test(seal.signature)) return 'the seal has no signature';
  let valid = false;
  try {
    valid = ed25519.verify(
      hexToBytes(seal.signature),
      sealedText({
        workflowId: c.workflowId,
        message: c.message,
        body: c.body,
        service: name,
        nonce: seal.nonce,
        at: seal.at as string,
      }),
      hexToBytes(publicKey),
    );
  } catch {
    valid = false;
  }
  if (!valid) return `the ${name} service's signature does not verify for this workflow, message and body`;
  if (c.seen(seal.nonce)) return `a replay: nonce ${seal.nonce} was already accepted`;
  return undefined;
}

/** The body without its seal: what the handler acts on. */
export function unsealed<T>(body: Sealed<T>): T {
  if (!body || typeof body !== 'object') return body;
  const { seal: _seal, ...rest } = body as Sealed<T> & Record<string, unknown>;
  return rest as T;
}
