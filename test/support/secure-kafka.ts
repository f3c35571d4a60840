// A second, private Kafka 4.1 broker (the stack's cached jars) that only speaks TLS: a SASL_SSL listener with
// SCRAM-SHA-256/512 and PLAIN users, and an SSL listener that requires a client certificate (mutual TLS). The
// SCRAM users are written when the storage is formatted, as `kafka-storage format --add-scram` does.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../infra/exec.ts';
import { kafkaLibs } from '../../infra/install/paths.ts';
import { kafkaProperties, newClusterId, toPropertiesFile } from '../../infra/services/kafka-config.ts';
import { freeLoopbackPort } from '../../runtime/free-port.ts';
import type { TestPki } from './tls-certs.ts';

export const SCRAM_USER = { username: 'nhi-scram', password: 'scram-pass-123' };
export const PLAIN_USER = { username: 'nhi-plain', password: 'plain-pass-456' };

export interface SecureKafka {
  /** SASL_SSL: SCRAM-SHA-256, SCRAM-SHA-512 (user SCRAM_USER) and PLAIN (PLAIN_USER). */
  saslSslAddress: string;
  /** SSL with ssl.client.auth=required. */
  mtlsAddress: string;
  /** The broker's log, for a failing test's message. */
  log(): string;
  stop(): Promise<void>;
}

export async function startSecureKafka(pki: TestPki): Promise<SecureKafka> {
  const dir = mkdtempSync(join(tmpdir(), 'nhi-secure-kafka-'));
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  const [saslPort, mtlsPort, controllerPort] = [
    await freeLoopbackPort(),
    await freeLoopbackPort(),
    await freeLoopbackPort(),
  ];
  // Kafka's PEM key store: the private key, then the certificate, in one file.
  const keystore = join(dir, 'server-keystore.pem');
  writeFileSync(keystore, Buffer.concat([pki.read(pki.serverKey), pki.read(pki.serverCert)]));
  const scram = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
  const props = {
    ...kafkaProperties({ port: saslPort, controllerPort, dataDir }),
    listeners: `SASL_SSL://127.0.0.1:${saslPort},SSL://127.0.0.1:${mtlsPort},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `SASL_SSL://127.0.0.1:${saslPort},SSL://127.0.0.1:${mtlsPort}`,
    'listener.security.protocol.map': 'SASL_SSL:SASL_SSL,SSL:SSL,CONTROLLER:PLAINTEXT',
    // The broker's own connections go over the mutual-TLS listener, with its server certificate as client cert.
    'inter.broker.listener.name': 'SSL',
    'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512,PLAIN',
    'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config': scram,
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': scram,
    'listener.name.sasl_ssl.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required user_${PLAIN_USER.username}="${PLAIN_USER.password}";`,
    'listener.name.ssl.ssl.client.auth': 'required',
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': keystore,
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': pki.ca,
    'num.network.threads': '1',
  };
  const propsPath = join(dir, 'server.properties');
  writeFileSync(propsPath, toPropertiesFile(props));
  const cp = `${kafkaLibs()}/*`;
  await run('java', [
    '-cp',
    cp,
    'kafka.tools.StorageTool',
    'format',
    '--cluster-id',
    newClusterId(),
    '--config',
    propsPath,
    '--add-scram',
    `SCRAM-SHA-256=[name=${SCRAM_USER.username},password=${SCRAM_USER.password}]`,
    '--add-scram',
    `SCRAM-SHA-512=[name=${SCRAM_USER.username},password=${SCRAM_USER.password}]`,
  ]);
  let output = '';
  const child: ChildProcess = spawn(
    'java',
    [
      '-Xmx256m',
      '-XX:+ExitOnOutOfMemoryError',
      '-Djava.awt.headless=true',
      '-cp',
      cp,
      'kafka.Kafka',
      propsPath,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    saslSslAddress: `127.0.0.1:${saslPort}`,
    mtlsAddress: `127.0.0.1:${mtlsPort}`,
    log: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const killLater = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(killLater);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
