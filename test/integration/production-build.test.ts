// Production from dist/: the compiled `nhi run all` (worker with the prebuilt workflow bundle, and the consumer)
// takes one real finding from Kafka to its identity workflow and an enforcement event, with no TypeScript and
// no workflow bundling at run time; its /metrics (ours and the Temporal SDK's), /livez and /readyz answer and
// the series move; the compiled codec server decodes a payload of that workflow's history and counts it; and
// `nhi demo` runs whole from dist/.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsClients } from '../../activities/aws/clients.ts';
import { buildDist } from '../../deploy/build.ts';
import { temporalClient } from '../../runtime/connections.ts';
import { identityWorkflowId } from '../../workflows/identity/definitions.ts';
import { waitUntil } from '../fault/support/ingest.ts';
import { alertExpressions, dashboardExpressions, metricNames } from '../support/deploy-metrics.ts';
import { collect, createTestTopics, deleteTestTopics } from '../support/kafka.ts';
import { publishLeak } from '../support/trufflehog-leak.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
// Its own output directory (one level below the root, like dist/): the unit test builds dist/ meanwhile.
const distDir = join(root, '.dist-test-integration');
const recorder = join(root, 'test', 'support', 'module-load-log.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'nhi-prod-'));
const moduleLog = join(scratch, 'modules.txt');
const taskQueue = `prod-${randomUUID().slice(0, 8)}`;

let topics: Record<string, string>;
let client: Client;
let run: { child: ChildProcess; stderr: () => string; exited: Promise<number | null> };

function spawnDist(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', recorder, join(distDir, 'nhi.js'), ...args], {
    cwd: root,
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, stderr: () => stderr, exited };
}

const metricsUrl = () => {
  const port = /"event":"metrics-listening","address":"http:\/\/127\.0\.0\.1:(\d+)\/metrics"/.exec(
    run.stderr(),
  )?.[1];
  if (!port) throw new Error(`no metrics-listening line yet: ${run.stderr().slice(-400)}`);
  return `http://127.0.0.1:${port}`;
};

/** The value of one series in Prometheus text (the sum when the selector matches several). */
function series(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  let found = false;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    if (!Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`))) continue;
    sum += Number(m[3]);
    found = true;
  }
  return found ? sum : Number.NaN;
}

beforeAll(async () => {
  await buildDist(distDir);
  topics = await createTestTopics('prod', ['scanner', 'dlq', 'events'], 1);
  client = await temporalClient();
  run = spawnDist(['run', 'all'], {
    NHI_MODULE_LOG: moduleLog,
    NHI_METRICS_PORT: '0',
    NHI_LAG_INTERVAL_SECONDS: '1',
    NHI_FINDINGS_TOPICS: topics.scanner!,
    NHI_DLQ_TOPIC: topics.dlq!,
    NHI_EVENTS_TOPIC: topics.events!,
    NHI_TASK_QUEUE: taskQueue,
    NHI_CONSUMER_GROUP: taskQueue,
  });
  await waitUntil(
    'the compiled pipeline to run',
    async () => run.child.exitCode !== null || run.stderr().includes('"event":"running"'),
    120_000,
  );
  expect(run.child.exitCode, run.stderr().slice(-600)).toBeNull();
}, 300_000);

afterAll(async () => {
  if (run && run.child.exitCode === null) {
    run.child.kill('SIGTERM');
    await run.exited;
  }
  await client?.connection.close();
  if (topics) await deleteTestTopics(topics);
  rmSync(scratch, { recursive: true, force: true });
  rmSync(distDir, { recursive: true, force: true });
});

describe('nhi from dist/ in production', () => {
  let userArn: string;

  it('ready once both roles run; a finding goes end to end through the compiled worker', async () => {
    const ready = await fetch(`${metricsUrl()}/readyz`);
    expect([ready.status, await ready.text()]).toEqual([200, 'ok\n']);
    expect((await fetch(`${metricsUrl()}/livez`)).status).toBe(200);

    const { iam } = awsClients();
    const userName = `prod-${randomUUID().slice(0, 8)}`;
    userArn = (await iam.send(new CreateUserCommand({ UserName: userName }))).User!.Arn!;
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!;
    await publishLeak(topics.scanner!, userArn, key, { line: 1 });
    const events = await collect(topics.events!, (ms) => ms.some((m) => m.key?.toString() === userArn));
    const event = JSON.parse(events.find((m) => m.key?.toString() === userArn)!.value!.toString());
    expect(event).toMatchObject({ type: 'identity.assessed', workflowId: identityWorkflowId(userArn) });
  });

  it('its /metrics moved: the consumer, the worker’s events, the brakes and the Temporal SDK’s own', async () => {
    let text = '';
    await waitUntil(
      'the brakes sampled and the SDK counting',
      async () => {
        text = await (await fetch(`${metricsUrl()}/metrics`)).text();
        return (
          series(text, 'nhi_enforcement_status_sampled_timestamp_seconds') > 0 &&
          series(text, 'temporal_workflow_task_execution_latency_seconds_count') > 0
        );
      },
      60_000,
    );
    expect(series(text, 'nhi_consumer_findings_total', { topic: topics.scanner! })).toBe(1);
    expect(series(text, 'nhi_consumer_signals_total')).toBeGreaterThanOrEqual(1);
    expect(series(text, 'nhi_worker_events_total', { type: 'identity.assessed' })).toBeGreaterThanOrEqual(1);
    expect(series(text, 'nhi_enforcement_paused')).toBe(0);
    expect(series(text, 'nhi_enforcement_breaker_open')).toBe(0);
    expect(series(text, 'temporal_activity_execution_latency_seconds_count')).toBeGreaterThan(0);
    // Every SDK metric the dashboard and the alerts query is one this worker exports; the failure counters appear
    // with the first failure (promtool's tests feed them).
    const sdk = metricNames([...dashboardExpressions(), ...alertExpressions()]).filter(
      (n) => n.startsWith('temporal_') && !n.endsWith('_failed_total'),
    );
    expect(sdk.filter((n) => !new RegExp(`^${n}[{ ]`, 'm').test(text))).toEqual([]);
    expect(
      series(text, 'temporal_worker_task_slots_available', { worker_type: 'WorkflowWorker' }),
    ).toBeGreaterThan(0);
  });

  it('the compiled codec server decodes a payload of that history and counts it', async () => {
    const codec = spawnDist(['codec-server', '--port', '0', '--json'], {});
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: codec.child.stdout! }).once('line', resolve);
        codec.exited.then(() => reject(new Error(`codec server exited: ${codec.stderr()}`)));
      });
      const { url, token } = JSON.parse(line) as { url: string; token: string };
      const history = await client.workflow.getHandle(identityWorkflowId(userArn)).fetchHistory();
      const signalled = history.events!.find((e) => e.workflowExecutionSignaledEventAttributes)!;
      const payload = signalled.workflowExecutionSignaledEventAttributes!.input!.payloads![0]!;
      const body = {
        payloads: [
          {
            metadata: Object.fromEntries(
              Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
            ),
            data: Buffer.from(payload.data!).toString('base64'),
          },
        ],
      };
      const decode = (auth?: string) =>
        fetch(`${url}/decode`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
          body: JSON.stringify(body),
        });
      expect((await decode()).status).toBe(401);
      const decoded = await decode(`Bearer ${token}`);
      expect(decoded.status).toBe(200);
      const plain = (await decoded.json()) as { payloads: Array<{ data: string }> };
      expect(Buffer.from(plain.payloads[0]!.data, 'base64').toString()).toContain(userArn);

      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      const text = await (await fetch(`${url}/metrics`)).text();
      expect(series(text, 'nhi_codec_requests_total', { route: 'decode', status: '200' })).toBe(1);
      expect(series(text, 'nhi_codec_requests_total', { route: 'decode', status: '401' })).toBe(1);
      expect(series(text, 'nhi_codec_request_seconds_count', { route: 'decode' })).toBe(2);
    } finally {
      codec.child.kill('SIGTERM');
      expect(await codec.exited).toBe(0);
    }
  });

  it('stops on SIGTERM with status 0, having loaded no TypeScript and bundled no workflow', async () => {
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    const modules = readFileSync(moduleLog, 'utf8').split('\n').filter(Boolean);
    expect(modules.some((url) => url.includes('/.dist-test-integration/nhi.js'))).toBe(true);
    expect(modules.filter((url) => /\/node_modules\/(tsx|typescript)\/|\.[cm]?ts$/.test(url))).toEqual([]);
    // Bundling workflows/ at start would load the SWC compiler webpack runs them through.
    expect(modules.filter((url) => url.includes('/node_modules/@swc/'))).toEqual([]);
  });

  it('the demo runs from dist/ end to end, loading no TypeScript', async () => {
    const demoLog = join(scratch, 'demo-modules.txt');
    const demo = spawnDist(['demo'], { NHI_MODULE_LOG: demoLog });
    let stdout = '';
    demo.child.stdout!.setEncoding('utf8');
    demo.child.stdout!.on('data', (chunk: string) => {
      stdout += chunk;
    });
    expect(await demo.exited, demo.stderr().slice(-600)).toBe(0);
    expect(stdout).toContain('nhi evidence verify: OK');
    expect(stdout).toContain('raw secret in evidence: no');
    const modules = readFileSync(demoLog, 'utf8').split('\n').filter(Boolean);
    expect(modules.filter((url) => /\/node_modules\/(tsx|typescript)\/|\.[cm]?ts$/.test(url))).toEqual([]);
    expect(modules.filter((url) => url.includes('/node_modules/@swc/'))).toEqual([]);
  }, 600_000);
});
