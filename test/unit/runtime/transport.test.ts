import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kafkaTransport, temporalTransport } from '../../../runtime/transport.ts';

const dir = mkdtempSync(join(tmpdir(), 'nhi-transport-'));
const pem = (name: string, label = 'CERTIFICATE') => {
  const path = join(dir, name);
  writeFileSync(path, `-----BEGIN ${label}-----\nAAAA\n-----END ${label}-----\n`);
  return path;
};
const ca = pem('ca.pem');
const cert = pem('client.pem');
const key = pem('client.key', 'PRIVATE KEY');
const notPem = join(dir, 'not.pem');
writeFileSync(notPem, 'hello');

describe('temporalTransport', () => {
  it('is plaintext when nothing is set (the local stack)', () => {
    expect(temporalTransport({})).toEqual({});
    expect(temporalTransport({ NHI_TEMPORAL_TLS: 'false' })).toEqual({});
  });

  it('turns TLS on with the system CAs, a CA file, a client pair (mTLS), a server name and an API key', () => {
    expect(temporalTransport({ NHI_TEMPORAL_TLS: 'true' })).toEqual({ tls: {} });
    const t = temporalTransport({
      NHI_TEMPORAL_TLS_CA: ca,
      NHI_TEMPORAL_TLS_CERT: cert,
      NHI_TEMPORAL_TLS_KEY: key,
      NHI_TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
      NHI_TEMPORAL_API_KEY: 'k-123',
    });
    expect(t.tls?.serverNameOverride).toBe('temporal.internal');
    expect(t.tls?.serverRootCACertificate?.toString()).toContain('BEGIN CERTIFICATE');
    expect(t.tls?.clientCertPair?.key.toString()).toContain('BEGIN PRIVATE KEY');
    expect(t.apiKey).toBe('k-123');
    // An API key alone still goes over TLS (Temporal Cloud).
    expect(temporalTransport({ NHI_TEMPORAL_API_KEY: 'k' })).toEqual({ tls: {}, apiKey: 'k' });
  });

  it('names the variable and the problem in one line', () => {
    expect(() => temporalTransport({ NHI_TEMPORAL_TLS_CA: join(dir, 'missing.pem') })).toThrow(
      /^NHI_TEMPORAL_TLS_CA=.*missing.pem: cannot read the CA certificate \(no such file\)$/,
    );
    expect(() => temporalTransport({ NHI_TEMPORAL_TLS_CA: notPem })).toThrow(/not a PEM file/);
    expect(() => temporalTransport({ NHI_TEMPORAL_TLS_CERT: cert })).toThrow(
      /NHI_TEMPORAL_TLS_CERT is set but NHI_TEMPORAL_TLS_KEY is not: mutual TLS needs both/,
    );
    expect(() => temporalTransport({ NHI_TEMPORAL_TLS: 'maybe' })).toThrow(/is not true or false/);
    expect(() => temporalTransport({ NHI_TEMPORAL_TLS: 'false', NHI_TEMPORAL_API_KEY: 'k' })).toThrow(
      /contradicts NHI_TEMPORAL_API_KEY/,
    );
  });
});

describe('kafkaTransport', () => {
  it('is plaintext when nothing is set', () => {
    expect(kafkaTransport({})).toEqual({});
  });

  it('builds kafkajs ssl and sasl options', () => {
    expect(kafkaTransport({ NHI_KAFKA_SSL: 'true' })).toEqual({ ssl: {} });
    const t = kafkaTransport({
      NHI_KAFKA_SSL_CA: ca,
      NHI_KAFKA_SSL_CERT: cert,
      NHI_KAFKA_SSL_KEY: key,
      NHI_KAFKA_SSL_SERVER_NAME: 'kafka.internal',
      NHI_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      NHI_KAFKA_SASL_USERNAME: 'nhi',
      NHI_KAFKA_SASL_PASSWORD: 'pw ',
    });
    expect(t.ssl?.ca?.[0]?.toString()).toContain('BEGIN CERTIFICATE');
    expect(t.ssl?.servername).toBe('kafka.internal');
    expect(t.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'nhi', password: 'pw ' });
    // SASL implies TLS: a password is never sent in the clear.
    expect(
      kafkaTransport({
        NHI_KAFKA_SASL_MECHANISM: 'plain',
        NHI_KAFKA_SASL_USERNAME: 'u',
        NHI_KAFKA_SASL_PASSWORD: 'p',
      }).ssl,
    ).toEqual({});
  });

  it('refuses incomplete or contradictory settings in one line', () => {
    expect(() => kafkaTransport({ NHI_KAFKA_SASL_MECHANISM: 'gssapi' })).toThrow(
      /NHI_KAFKA_SASL_MECHANISM=gssapi is not one of plain, scram-sha-256, scram-sha-512/,
    );
    expect(() => kafkaTransport({ NHI_KAFKA_SASL_MECHANISM: 'plain', NHI_KAFKA_SASL_USERNAME: 'u' })).toThrow(
      /needs NHI_KAFKA_SASL_USERNAME and NHI_KAFKA_SASL_PASSWORD/,
    );
    expect(() => kafkaTransport({ NHI_KAFKA_SASL_USERNAME: 'u', NHI_KAFKA_SASL_PASSWORD: 'p' })).toThrow(
      /NHI_KAFKA_SASL_MECHANISM is not/,
    );
    expect(() =>
      kafkaTransport({
        NHI_KAFKA_SSL: 'false',
        NHI_KAFKA_SASL_MECHANISM: 'plain',
        NHI_KAFKA_SASL_USERNAME: 'u',
        NHI_KAFKA_SASL_PASSWORD: 'p',
      }),
    ).toThrow(/SASL is only used over TLS/);
    expect(() => kafkaTransport({ NHI_KAFKA_SSL_KEY: key })).toThrow(
      /NHI_KAFKA_SSL_KEY is set but NHI_KAFKA_SSL_CERT/,
    );
  });
});

describe('a CLI command with a bad transport setting', () => {
  it('exits 1 with one line naming the variable, before connecting', async () => {
    const { main } = await import('../../../cli/main.ts');
    const saved = process.env.NHI_TEMPORAL_TLS_CA;
    process.env.NHI_TEMPORAL_TLS_CA = join(dir, 'missing-ca.pem');
    const err: string[] = [];
    try {
      expect(await main(['identities'], { out: () => {}, err: (l) => err.push(l) })).toBe(1);
    } finally {
      if (saved === undefined) delete process.env.NHI_TEMPORAL_TLS_CA;
      else process.env.NHI_TEMPORAL_TLS_CA = saved;
    }
    expect(err).toEqual([
      `nhi identities: NHI_TEMPORAL_TLS_CA=${join(dir, 'missing-ca.pem')}: cannot read the CA certificate (no such file)`,
    ]);
  }, 60_000); // loads the Temporal client: slow on a busy machine
});
