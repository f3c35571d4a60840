// Where the payload encryption keys come from: NHI_PAYLOAD_KEYS, or a Secrets Manager secret holding the same
// text (NHI_PAYLOAD_KEYS_SECRET), or — only when every endpoint is on this machine — a development key that is
// public by design (it is derived from a constant in this file) and so protects nothing outside a laptop.
import { createHash } from 'node:crypto';
import { type Endpoints, endpoints } from '../infra/endpoints.ts';
import { KEY_BYTES, type PayloadKeyRing } from './payload-codec.ts';
import { TransportConfigError } from './transport.ts';

type Env = Record<string, string | undefined>;

export const DEVELOPMENT_KEY_ID = 'nhi-local-dev';
const developmentKey = () =>
  createHash('sha256').update('nhi-enforce public development payload key, local stack only').digest();

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * "id1:BASE64,id2:BASE64" (32-byte keys; `openssl rand -base64 32` makes one). The active key is `activeId`, or
 * the only one listed; with several and none named, which one encrypts would be a guess, so it is refused.
 */
export function parseKeyRing(listing: string, activeId: string | undefined, source: string): PayloadKeyRing {
  const keys = new Map<string, Buffer>();
  for (const entry of listing
    .split(/[,\n]/)
    .map((e) => e.trim())
    .filter(Boolean)) {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon).trim() : '';
    if (!KEY_ID.test(id)) {
      throw new TransportConfigError(
        `${source}: each key is ID:BASE64 with an id of letters, digits, '.', '_' or '-' (got '${entry.slice(0, 12)}…')`,
      );
    }
    const key = Buffer.from(entry.slice(colon + 1).trim(), 'base64');
    if (key.length !== KEY_BYTES) {
      throw new TransportConfigError(
        `${source}: key '${id}' is ${key.length} bytes, AES-256 needs ${KEY_BYTES} (make one with: openssl rand -base64 32)`,
      );
    }
    if (keys.has(id)) throw new TransportConfigError(`${source}: key id '${id}' is listed twice`);
    keys.set(id, key);
  }
  if (keys.size === 0) throw new TransportConfigError(`${source} lists no key`);
  const active = activeId ?? (keys.size === 1 ? [...keys.keys()][0]! : undefined);
  if (!active) {
    throw new TransportConfigError(
      `${source} lists ${keys.size} keys: set NHI_PAYLOAD_KEY_ID to the one that encrypts (${[...keys.keys()].join(', ')})`,
    );
  }
  if (!keys.has(active)) {
    throw new TransportConfigError(
      `NHI_PAYLOAD_KEY_ID=${active} is not among the keys in ${source} (${[...keys.keys()].join(', ')})`,
    );
  }
  return { activeKeyId: active, keys, source };
}

export function developmentKeyRing(): PayloadKeyRing {
  return {
    activeKeyId: DEVELOPMENT_KEY_ID,
    keys: new Map([[DEVELOPMENT_KEY_ID, developmentKey()]]),
    source: 'the development key',
  };
}

/** Every key in the ring is the public development key (by value, whatever its id). */
export function onlyDevelopmentKey(ring: PayloadKeyRing): boolean {
  const dev = developmentKey();
  return [...ring.keys.values()].every((key) => key.equals(dev));
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[?::1\]?)$/i;

function hostOf(address: string): string {
  const withoutScheme = address.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split('/')[0]!;
  if (withoutScheme.startsWith('[')) return withoutScheme.slice(0, withoutScheme.indexOf(']') + 1);
  const colons = withoutScheme.split(':').length - 1;
  return colons === 1 ? withoutScheme.split(':')[0]! : withoutScheme;
}

/** The first endpoint that is not on this machine (real AWS counts as remote), or undefined. */
export function remoteEndpoint(e: Endpoints): string | undefined {
  if (!LOOPBACK.test(hostOf(e.temporalAddress))) return `Temporal at ${e.temporalAddress}`;
  const broker = e.kafkaBrokers.find((b) => !LOOPBACK.test(hostOf(b)));
  if (broker) return `Kafka at ${broker}`;
  if (e.awsEndpoint === undefined) return 'real AWS';
  if (!LOOPBACK.test(hostOf(e.awsEndpoint))) return `AWS at ${e.awsEndpoint}`;
  return undefined;
}

export interface KeySources {
  /** The secret's string (SecretString), from Secrets Manager. */
  readSecret: (secretId: string) => Promise<string>;
}

async function readSecretFromAws(secretId: string): Promise<string> {
  const [{ GetSecretValueCommand }, { awsClients }] = await Promise.all([
    import('@aws-sdk/client-secrets-manager'),
    import('../activities/aws/clients.ts'),
  ]);
  const out = await awsClients().secretsManager.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (!out.SecretString) throw new Error('the secret has no SecretString');
  return out.SecretString;
}

/** The process's payload keys, or one readable line (TransportConfigError) saying what to set. */
export async function payloadKeyRing(
  env: Env = process.env,
  at: Endpoints = endpoints(),
  sources: KeySources = { readSecret: readSecretFromAws },
): Promise<PayloadKeyRing> {
  const listing = env.NHI_PAYLOAD_KEYS?.trim();
  const secretId = env.NHI_PAYLOAD_KEYS_SECRET?.trim();
  const activeId = env.NHI_PAYLOAD_KEY_ID?.trim() || undefined;
  if (listing && secretId) {
    throw new TransportConfigError('set NHI_PAYLOAD_KEYS or NHI_PAYLOAD_KEYS_SECRET, not both');
  }
  const remote = remoteEndpoint(at);
  let ring: PayloadKeyRing;
  if (listing) {
    ring = parseKeyRing(listing, activeId, 'NHI_PAYLOAD_KEYS');
  } else if (secretId) {
    let secret: string;
    try {
      secret = await sources.readSecret(secretId);
    } catch (error) {
      throw new TransportConfigError(
        `NHI_PAYLOAD_KEYS_SECRET=${secretId}: cannot read the secret (${String((error as Error)?.message ?? error).split('\n')[0]})`,
      );
    }
    ring = parseKeyRing(secret, activeId, `secret ${secretId}`);
  } else {
    if (remote) {
      throw new TransportConfigError(
        `no payload encryption key for ${remote}: set NHI_PAYLOAD_KEYS=ID:BASE64 (openssl rand -base64 32) or NHI_PAYLOAD_KEYS_SECRET=SECRET_ID; the development key is only used when every endpoint is local`,
      );
    }
    return developmentKeyRing();
  }
  const dev = developmentKey();
  const devId = [...ring.keys].find(([, key]) => key.equals(dev))?.[0];
  if (devId && remote) {
    throw new TransportConfigError(
      `${ring.source}: key '${devId}' is the public development key, refused for ${remote}`,
    );
  }
  return ring;
}
