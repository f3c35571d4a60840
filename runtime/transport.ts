// How every process authenticates and encrypts its connections to Temporal and Kafka, read once from the
// environment. Files are read here, so a missing or unreadable certificate fails at start with one line that
// names the variable, not later inside a gRPC or Kafka handshake.
import { readFileSync } from 'node:fs';
import type { SASLOptions } from 'kafkajs';

/** A setting that cannot be used: the message is one line naming the variable and what is wrong. */
export class TransportConfigError extends Error {
  override name = 'TransportConfigError';
}

export interface TemporalTransport {
  /** undefined: plaintext (the local stack). */
  tls?: {
    serverNameOverride?: string;
    serverRootCACertificate?: Buffer;
    clientCertPair?: { crt: Buffer; key: Buffer };
  };
  apiKey?: string;
}

export interface KafkaTransport {
  /** undefined: plaintext (the local stack). */
  ssl?: { ca?: Buffer[]; cert?: Buffer; key?: Buffer; servername?: string };
  sasl?: SASLOptions;
}

type Env = Record<string, string | undefined>;

const set = (env: Env, name: string) => {
  const value = env[name]?.trim();
  return value ? value : undefined;
};

function flag(env: Env, name: string): boolean | undefined {
  const value = set(env, name)?.toLowerCase();
  if (value === undefined) return undefined;
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new TransportConfigError(`${name}=${env[name]} is not true or false`);
}

function pemFile(env: Env, name: string, what: string): Buffer | undefined {
  const path = set(env, name);
  if (!path) return undefined;
  let content: Buffer;
  try {
    content = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new TransportConfigError(
      `${name}=${path}: cannot read the ${what} (${code === 'ENOENT' ? 'no such file' : (code ?? (error as Error).message)})`,
    );
  }
  if (!content.toString('utf8').includes('-----BEGIN ')) {
    throw new TransportConfigError(`${name}=${path}: not a PEM file (expected the ${what} in PEM form)`);
  }
  return content;
}

function pair(env: Env, certVar: string, keyVar: string) {
  const cert = pemFile(env, certVar, 'client certificate');
  const key = pemFile(env, keyVar, 'client private key');
  if (Boolean(cert) !== Boolean(key)) {
    throw new TransportConfigError(
      `${cert ? certVar : keyVar} is set but ${cert ? keyVar : certVar} is not: mutual TLS needs both`,
    );
  }
  return cert && key ? { cert, key } : undefined;
}

/**
 * NHI_TEMPORAL_TLS (true: TLS with the system's CAs), NHI_TEMPORAL_TLS_CA, NHI_TEMPORAL_TLS_CERT +
 * NHI_TEMPORAL_TLS_KEY (mTLS), NHI_TEMPORAL_TLS_SERVER_NAME, NHI_TEMPORAL_API_KEY. Any of them but
 * NHI_TEMPORAL_TLS=false turns TLS on; an API key is only ever sent over TLS.
 */
export function temporalTransport(env: Env = process.env): TemporalTransport {
  const enabled = flag(env, 'NHI_TEMPORAL_TLS');
  const ca = pemFile(env, 'NHI_TEMPORAL_TLS_CA', 'CA certificate');
  const client = pair(env, 'NHI_TEMPORAL_TLS_CERT', 'NHI_TEMPORAL_TLS_KEY');
  const serverName = set(env, 'NHI_TEMPORAL_TLS_SERVER_NAME');
  const apiKey = set(env, 'NHI_TEMPORAL_API_KEY');
  const wantsTls = Boolean(ca || client || serverName || apiKey);
  if (enabled === false && wantsTls) {
    throw new TransportConfigError(
      `NHI_TEMPORAL_TLS=false contradicts ${apiKey ? 'NHI_TEMPORAL_API_KEY (an API key is only sent over TLS)' : 'the NHI_TEMPORAL_TLS_* settings'}`,
    );
  }
  if (!enabled && !wantsTls) return {};
  return {
    tls: {
      ...(serverName ? { serverNameOverride: serverName } : {}),
      ...(ca ? { serverRootCACertificate: ca } : {}),
      ...(client ? { clientCertPair: { crt: client.cert, key: client.key } } : {}),
    },
    ...(apiKey ? { apiKey } : {}),
  };
}

const MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

/**
 * NHI_KAFKA_SSL (true: TLS with the system's CAs), NHI_KAFKA_SSL_CA, NHI_KAFKA_SSL_CERT + NHI_KAFKA_SSL_KEY (mTLS),
 * NHI_KAFKA_SSL_SERVER_NAME; NHI_KAFKA_SASL_MECHANISM (plain, scram-sha-256, scram-sha-512) with
 * NHI_KAFKA_SASL_USERNAME and NHI_KAFKA_SASL_PASSWORD. SASL without TLS is refused: it would send the password
 * (PLAIN) or allow downgrade in the clear.
 */
export function kafkaTransport(env: Env = process.env): KafkaTransport {
  const enabled = flag(env, 'NHI_KAFKA_SSL');
  const ca = pemFile(env, 'NHI_KAFKA_SSL_CA', 'CA certificate');
  const client = pair(env, 'NHI_KAFKA_SSL_CERT', 'NHI_KAFKA_SSL_KEY');
  const servername = set(env, 'NHI_KAFKA_SSL_SERVER_NAME');
  const mechanism = set(env, 'NHI_KAFKA_SASL_MECHANISM')?.toLowerCase();
  const username = set(env, 'NHI_KAFKA_SASL_USERNAME');
  const password = env.NHI_KAFKA_SASL_PASSWORD; // not trimmed: a password may end in a space
  const wantsTls = Boolean(ca || client || servername);
  if (enabled === false && (wantsTls || mechanism)) {
    throw new TransportConfigError(
      `NHI_KAFKA_SSL=false contradicts ${mechanism ? 'NHI_KAFKA_SASL_MECHANISM (SASL is only used over TLS)' : 'the NHI_KAFKA_SSL_* settings'}`,
    );
  }
  let sasl: SASLOptions | undefined;
  if (mechanism) {
    if (!(MECHANISMS as readonly string[]).includes(mechanism)) {
      throw new TransportConfigError(
        `NHI_KAFKA_SASL_MECHANISM=${env.NHI_KAFKA_SASL_MECHANISM} is not one of ${MECHANISMS.join(', ')}`,
      );
    }
    if (!username || !password) {
      throw new TransportConfigError(
        `NHI_KAFKA_SASL_MECHANISM=${mechanism} needs NHI_KAFKA_SASL_USERNAME and NHI_KAFKA_SASL_PASSWORD`,
      );
    }
    sasl = { mechanism: mechanism as (typeof MECHANISMS)[number], username, password } as SASLOptions;
  } else if (username || password) {
    throw new TransportConfigError(
      'NHI_KAFKA_SASL_USERNAME/PASSWORD are set but NHI_KAFKA_SASL_MECHANISM is not (plain, scram-sha-256 or scram-sha-512)',
    );
  }
  if (!enabled && !wantsTls && !sasl) return {};
  return {
    ssl: {
      ...(ca ? { ca: [ca] } : {}),
      ...(client ? { cert: client.cert, key: client.key } : {}),
      ...(servername ? { servername } : {}),
    },
    ...(sasl ? { sasl } : {}),
  };
}
