// Temporal over TLS, as far as the local stack allows: the dev server has no TLS flags, so a TLS terminator
// (test/support/tls-proxy.ts) fronts it with a certificate from a throwaway CA. The client (grpc-js) and the worker
// (the SDK's Rust core) connect through it from the NHI_TEMPORAL_* environment alone and run a workflow; mutual TLS,
// the server-name override and a wrong CA are checked the same way. The API key is checked against an HTTP/2 TLS
// endpoint that records request headers (the dev server does not check API keys).
import { execFile } from 'node:child_process';
import { constants, createSecureServer, type IncomingHttpHeaders } from 'node:http2';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localPorts } from '../../infra/endpoints.ts';
import {
  temporalClient,
  temporalDataConverter,
  temporalWorkerConnection,
} from '../../runtime/connections.ts';
import { makeTestPki } from '../support/tls-certs.ts';
import { startTlsProxy, type TlsProxy } from '../support/tls-proxy.ts';
import type { HelloActivities } from './fixtures/hello-workflow.ts';

const TEMPORAL_VARS = [
  'NHI_TEMPORAL_ADDRESS',
  'NHI_TEMPORAL_TLS',
  'NHI_TEMPORAL_TLS_CA',
  'NHI_TEMPORAL_TLS_CERT',
  'NHI_TEMPORAL_TLS_KEY',
  'NHI_TEMPORAL_TLS_SERVER_NAME',
  'NHI_TEMPORAL_API_KEY',
];
const saved = Object.fromEntries(TEMPORAL_VARS.map((v) => [v, process.env[v]]));
function useTemporal(vars: Record<string, string>): void {
  for (const v of TEMPORAL_VARS) delete process.env[v];
  Object.assign(process.env, vars);
}

const pki = makeTestPki();
const run = promisify(execFile);
let tlsProxy: TlsProxy;
let mtlsProxy: TlsProxy;
let bundle: WorkflowBundleWithSourceMap;
const activities: HelloActivities = { greet: async (name) => `hello, ${name}` };

beforeAll(async () => {
  const target = { host: '127.0.0.1', port: localPorts().temporal };
  const server = { cert: pki.read(pki.serverCert), key: pki.read(pki.serverKey) };
  tlsProxy = await startTlsProxy({ target, ...server });
  mtlsProxy = await startTlsProxy({ target, ...server, clientCa: pki.read(pki.ca) });
  bundle = await bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('./fixtures/hello-workflow.ts', import.meta.url)),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never,
  });
});

afterAll(async () => {
  await tlsProxy?.close();
  await mtlsProxy?.close();
  useTemporal(
    Object.fromEntries(Object.entries(saved).filter(([, v]) => v !== undefined)) as Record<string, string>,
  );
});

/** A worker and a client, both from connections.ts, run one workflow end to end. */
async function helloThroughConfiguredTemporal(): Promise<string> {
  const taskQueue = `tls-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const connection = await temporalWorkerConnection();
  const client = await temporalClient();
  try {
    const worker = await Worker.create({
      connection,
      taskQueue,
      workflowBundle: bundle,
      activities,
      dataConverter: await temporalDataConverter(),
    });
    return await worker.runUntil(
      client.workflow.execute('hello', { args: ['tls'], taskQueue, workflowId: `${taskQueue}-wf` }),
    );
  } finally {
    await client.connection.close();
    await connection.close();
  }
}

describe('Temporal over TLS', () => {
  it('client and worker connect through TLS with the configured CA and run a workflow', async () => {
    useTemporal({ NHI_TEMPORAL_ADDRESS: tlsProxy.address, NHI_TEMPORAL_TLS_CA: pki.ca });
    const before = tlsProxy.handshakes.length;
    expect(await helloThroughConfiguredTemporal()).toBe('hello, tls');
    expect(tlsProxy.handshakes.length - before).toBeGreaterThanOrEqual(2); // the worker's and the client's
  });

  it('mutual TLS: a client certificate gets through, none is refused', async () => {
    useTemporal({
      NHI_TEMPORAL_ADDRESS: mtlsProxy.address,
      NHI_TEMPORAL_TLS_CA: pki.ca,
      NHI_TEMPORAL_TLS_CERT: pki.clientCert,
      NHI_TEMPORAL_TLS_KEY: pki.clientKey,
    });
    expect(await helloThroughConfiguredTemporal()).toBe('hello, tls');
    expect(mtlsProxy.handshakes.some((h) => h.clientCn === 'client')).toBe(true);

    useTemporal({ NHI_TEMPORAL_ADDRESS: mtlsProxy.address, NHI_TEMPORAL_TLS_CA: pki.ca });
    await expect(temporalClient({ connectTimeoutMs: 5_000 })).rejects.toThrow();
    expect(mtlsProxy.refused.some((r) => /peer did not return a certificate/.test(r))).toBe(true);
  });

  it('checks the server name (override applied) and the CA', async () => {
    useTemporal({
      NHI_TEMPORAL_ADDRESS: tlsProxy.address,
      NHI_TEMPORAL_TLS_CA: pki.ca,
      NHI_TEMPORAL_TLS_SERVER_NAME: 'localhost',
    });
    await (await temporalClient()).connection.close();
    useTemporal({
      NHI_TEMPORAL_ADDRESS: tlsProxy.address,
      NHI_TEMPORAL_TLS_CA: pki.ca,
      NHI_TEMPORAL_TLS_SERVER_NAME: 'temporal.example.internal',
    });
    const [handshakes, refused] = [tlsProxy.handshakes.length, tlsProxy.refused.length];
    await expect(temporalClient({ connectTimeoutMs: 5_000 })).rejects.toThrow();
    // The client hung up mid-handshake: the certificate is not for that name.
    expect(tlsProxy.handshakes.length).toBe(handshakes);
    expect(tlsProxy.refused.length).toBeGreaterThan(refused);
  });

  it('a CLI command against an untrusted certificate fails with one line', async () => {
    const env = { ...process.env, NHI_TEMPORAL_ADDRESS: tlsProxy.address, NHI_TEMPORAL_TLS_CA: pki.otherCa };
    const failed = await run('node', ['bin/nhi.js', 'identities'], { env }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed?.code).toBe(1);
    const lines = failed!.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^nhi identities: cannot reach Temporal at ${tlsProxy.address} \\(`));
  });
});

describe('Temporal API key', () => {
  it('is sent as "authorization: Bearer KEY" over TLS by the client and by the worker connection', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const server = createSecureServer({
      cert: pki.read(pki.serverCert),
      key: pki.read(pki.serverKey),
      allowHTTP1: false,
    });
    // Answer every gRPC call with UNIMPLEMENTED: enough for a connection attempt to send its first request.
    const sessions = new Set<import('node:http2').ServerHttp2Session>();
    server.on('session', (s) => sessions.add(s));
    server.on('stream', (stream, headers) => {
      seen.push(headers);
      stream.respond(
        { [constants.HTTP2_HEADER_STATUS]: 200, 'content-type': 'application/grpc', 'grpc-status': '12' },
        { endStream: true },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const address = `127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      useTemporal({
        NHI_TEMPORAL_ADDRESS: address,
        NHI_TEMPORAL_TLS_CA: pki.ca,
        NHI_TEMPORAL_API_KEY: 'test-api-key',
      });
      await temporalClient({ connectTimeoutMs: 5_000 }).then(
        (c) => c.connection.close(),
        () => {},
      );
      const fromClient = seen.length;
      expect(fromClient).toBeGreaterThan(0);
      await temporalWorkerConnection().then(
        (c) => c.close(),
        () => {},
      );
      expect(seen.length).toBeGreaterThan(fromClient);
      for (const h of seen) expect(h.authorization).toBe('Bearer test-api-key');
    } finally {
      for (const s of sessions) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
