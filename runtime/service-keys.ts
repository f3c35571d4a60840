// The service identities' Ed25519 keys (schemas/service-seal.ts): which secret keys this process holds, to seal
// the messages it sends, and which public keys its workflows trust. Never in a payload, never in history.
//
// - NHI_SERVICE_KEYS="worker:HEX,consumer:HEX": the secret keys (32 bytes, hex) this process holds. A consumer-only
//   deployment holds `consumer`, a worker `worker`; `nhi run all` both.
// - NHI_SERVICE_PUBLIC_KEYS="consumer:HEX,worker:HEX": the public keys a worker's workflows verify with. Unset: the
//   public keys of the secret keys held.
// - Neither set and every endpoint on this machine: the local stack's development keys, a file in its state dir
//   (`<state dir>/service-keys.json`, mode 0600) created on first use. Against any service that is not local they
//   are refused, as the development payload and fingerprint keys are.
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Endpoints, endpoints, stateDir } from '../infra/endpoints.ts';
import {
  SERVICES,
  type ServiceName,
  type ServicePublicKeys,
  type ServiceSeal,
  signSeal,
} from '../schemas/service-seal.ts';
import { newKeyPair, publicKeyOf } from '../schemas/signed-decision.ts';
import { remoteEndpoint } from './payload-keys.ts';
import { TransportConfigError } from './transport.ts';

type Env = Record<string, string | undefined>;

export interface ServiceKeys {
  /** Secret keys held, hex. */
  secret: Partial<Record<ServiceName, string>>;
  /** Public keys trusted, hex. */
  publicKeys: ServicePublicKeys;
  source: string;
}

const HEX32 = /^[0-9a-f]{64}$/i;

function parseListing(listing: string, name: string): Partial<Record<ServiceName, string>> {
  const out: Partial<Record<ServiceName, string>> = {};
  for (const entry of listing
    .split(/[,\n]/)
    .map((e) => e.trim())
    .filter(Boolean)) {
    const colon = entry.indexOf(':');
    const service = entry.slice(0, Math.max(0, colon)).trim();
    const key = entry.slice(colon + 1).trim();
    if (!(SERVICES as readonly string[]).includes(service))
      throw new TransportConfigError(
        `${name}: each entry is SERVICE:HEX with a service of ${SERVICES.join(', ')} (got '${entry.slice(0, 12)}…')`,
      );
    if (!HEX32.test(key))
      throw new TransportConfigError(`${name}: the key of '${service}' is not 32 bytes of hex`);
    if (out[service as ServiceName]) throw new TransportConfigError(`${name}: '${service}' is listed twice`);
    out[service as ServiceName] = key.toLowerCase();
  }
  return out;
}

export const developmentServiceKeyFile = (dir = stateDir()): string => join(dir, 'service-keys.json');

/** The local stack's key pairs, created on first use (two processes racing: the first file wins). */
export function developmentServiceKeys(file = developmentServiceKeyFile()): Record<ServiceName, string> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<ServiceName, string>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const keys = Object.fromEntries(SERVICES.map((s) => [s, newKeyPair().secretKey])) as Record<
    ServiceName,
    string
  >;
  mkdirSync(dirname(file), { recursive: true });
  try {
    writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return JSON.parse(readFileSync(file, 'utf8')) as Record<ServiceName, string>;
}

const publicOf = (secret: Partial<Record<ServiceName, string>>): ServicePublicKeys =>
  Object.fromEntries(Object.entries(secret).map(([s, k]) => [s, publicKeyOf(k!)])) as ServicePublicKeys;

/** The process's service keys, or one readable line (TransportConfigError) saying what to set. */
export function loadServiceKeys(
  env: Env = process.env,
  at: Endpoints = endpoints(),
  devFile = developmentServiceKeyFile(),
): ServiceKeys {
  const listing = env.NHI_SERVICE_KEYS?.trim();
  const publicListing = env.NHI_SERVICE_PUBLIC_KEYS?.trim();
  const remote = remoteEndpoint(at);
  if (!listing && !publicListing) {
    if (remote)
      throw new TransportConfigError(
        `no service keys for ${remote}: set NHI_SERVICE_KEYS=worker:HEX (and NHI_SERVICE_PUBLIC_KEYS for the services this worker trusts); the local stack's development keys are only used when every endpoint is local`,
      );
    const secret = developmentServiceKeys(devFile);
    return {
      secret,
      publicKeys: publicOf(secret),
      source: `the local stack's development keys (${devFile})`,
    };
  }
  const secret = listing ? parseListing(listing, 'NHI_SERVICE_KEYS') : {};
  const publicKeys = publicListing
    ? parseListing(publicListing, 'NHI_SERVICE_PUBLIC_KEYS')
    : publicOf(secret);
  if (remote) {
    let dev: Record<string, string> = {};
    try {
      dev = JSON.parse(readFileSync(devFile, 'utf8')) as Record<string, string>;
    } catch {}
    const devPublic = new Set(Object.values(dev).map((k) => publicKeyOf(k)));
    const held = Object.entries(publicOf(secret)).concat(Object.entries(publicKeys));
    const isDev = held.find(([, k]) => devPublic.has(k!));
    if (isDev)
      throw new TransportConfigError(
        `the '${isDev[0]}' service key is the local stack's development key (${devFile}), refused for ${remote}`,
      );
  }
  return { secret, publicKeys, source: listing ? 'NHI_SERVICE_KEYS' : 'NHI_SERVICE_PUBLIC_KEYS' };
}

let cached: ServiceKeys | undefined;
/** Read once per process. */
export function serviceKeys(): ServiceKeys {
  cached ??= loadServiceKeys();
  return cached;
}

/**
 * Seals a message as `service`, with a fresh nonce and the time (now, or the sending workflow's time: a seal is
 * checked against the receiving workflow's clock); refuses a service whose key it lacks.
 */
export function sealAs(
  service: ServiceName,
  target: { workflowId: string; message: string; body: unknown; at?: string },
  keys: ServiceKeys = serviceKeys(),
): ServiceSeal {
  const secret = keys.secret[service];
  if (!secret)
    throw new TransportConfigError(`this process holds no '${service}' service key (${keys.source})`);
  const { at, ...rest } = target;
  return signSeal({ ...rest, service, nonce: randomUUID(), at: at ?? new Date().toISOString() }, secret);
}

/** An activity's seal time: when Temporal scheduled it (the workflow's clock, also under a time-skipping test). */
export const scheduledAt = (info: { currentAttemptScheduledTimestampMs: number }): string =>
  new Date(info.currentAttemptScheduledTimestampMs).toISOString();
