// The two slow fault scenarios, sized by the caller: npm test runs them small (test/integration/ingest-*.test.ts),
// `npm run test:fault` runs them full size (test/fault/*.test.ts).
//
// crash:   `nhi run consumer` processes SIGKILLed at random points, restarted each time, worker in this process.
// outage:  a Temporal dev server stopped mid-run and started again on the same SQLite file (a private one by
//          default, see private-temporal.ts).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomInt, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { kafka, temporalClient } from '../../../runtime/connections.ts';
import { type RunningPipeline, startPipeline } from '../../../runtime/pipeline.ts';
import { createTestTopics, deleteTestTopics } from '../../support/kafka.ts';
import {
  type IdentityCheck,
  notableTraffic,
  publish,
  terminateIdentities,
  uncommitted,
  waitForIdentities,
  waitUntil,
} from './ingest.ts';
import { outageTarget } from './private-temporal.ts';

const nhiBin = fileURLToPath(new URL('../../../bin/nhi.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ScenarioResult {
  check: IdentityCheck;
  uncommitted: number;
  /** Messages uncommitted right after each SIGKILL, summed: all a restart may read (and signal) again. */
  uncommittedAtKills?: number;
  ms: number;
  notes: string[];
}

interface Env {
  topics: Record<string, string>;
  taskQueue: string;
  client: Client;
  cleanup: Array<() => Promise<unknown>>;
}

async function setUp(name: string): Promise<Env> {
  const topics = await createTestTopics(name, ['siem', 'dlq', 'events'], 4);
  const client = await temporalClient();
  return {
    topics,
    taskQueue: `${name}-${randomUUID().slice(0, 8)}`,
    client,
    cleanup: [() => deleteTestTopics(topics), () => client.connection.close()],
  };
}

async function tearDown(env: Env): Promise<void> {
  for (const step of env.cleanup) await step().catch(() => {});
}

// --- crash ------------------------------------------------------------------------------------------------

export interface CrashOptions {
  findings: number;
  identities: number;
  kills: number;
  log?: (line: string) => void;
}

interface Consumer {
  child: ChildProcess;
  exited: Promise<number | null>;
  started: Promise<void>;
  stderr: string[];
}

function spawnConsumer(env: Env, groupId: string, extraEnv: Record<string, string> = {}): Consumer {
  const child = spawn(process.execPath, [nhiBin, 'run', 'consumer', '--group', groupId], {
    env: {
      ...process.env,
      NHI_FINDINGS_TOPICS: env.topics.siem,
      NHI_DLQ_TOPIC: env.topics.dlq,
      NHI_EVENTS_TOPIC: env.topics.events,
      NHI_TASK_QUEUE: env.taskQueue,
      NHI_METRICS_PORT: 'off',
      NHI_LAG_INTERVAL_SECONDS: '0',
      // Small steps: more commit points for a kill to fall between.
      NHI_STEP_SIZE: '100',
      // A SIGKILLed member keeps its partitions until its session times out: keep that short here.
      NHI_SESSION_TIMEOUT_MS: '6000',
      ...extraEnv,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr: string[] = [];
  let onStarted: () => void = () => {};
  const started = new Promise<void>((r) => (onStarted = r));
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr.push(chunk);
    if (chunk.includes('"consumer-started"')) onStarted();
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exited, started, stderr };
}

export async function crashScenario(opts: CrashOptions): Promise<ScenarioResult> {
  const log = opts.log ?? (() => {});
  const env = await setUp('crash');
  const traffic = notableTraffic(opts.findings, opts.identities);
  const groupId = env.taskQueue;
  const notes: string[] = [];
  let worker: RunningPipeline | undefined;
  let consumer: Consumer | undefined;
  const start = Date.now();
  let uncommittedAtKills = 0;
  try {
    worker = await startPipeline({
      role: 'worker',
      taskQueue: env.taskQueue,
      eventsTopic: env.topics.events,
    });
    env.cleanup.unshift(() => terminateIdentities(env.client, traffic.expected.keys()));
    // One tranche of traffic per consumer process, published just before it starts: each killed consumer is
    // killed with work in hand, and the last one always has messages of its own to count in its metrics.
    const tranches = splitEvenly(traffic.messages, opts.kills + 1);
    for (let kill = 1; kill <= opts.kills; kill++) {
      await publish(env.topics.siem!, tranches[kill - 1]!);
      consumer = spawnConsumer(env, groupId);
      await Promise.race([consumer.started, consumer.exited]);
      const before = await uncommitted(groupId, [env.topics.siem!]);
      // A random point in the middle of consumption: once this process has committed a step of its own (after
      // the group has given it the partitions), somewhere within the next ~2 steps.
      await waitUntil(
        'the restarted consumer to commit',
        async () =>
          before === 0 ||
          consumer!.child.exitCode !== null ||
          (await uncommitted(groupId, [env.topics.siem!])) < before,
        120_000,
      );
      await sleep(randomInt(0, 100));
      consumer.child.kill('SIGKILL');
      const code = await consumer.exited;
      const after = await uncommitted(groupId, [env.topics.siem!]);
      uncommittedAtKills += after;
      notes.push(`kill ${kill}: uncommitted ${before} → ${after} (exit ${code ?? 'SIGKILL'})`);
      log(notes.at(-1)!);
      if (after === 0) notes.push(`kill ${kill} came after everything was committed`);
    }
    // The last restart runs to the end, serving metrics, then stops gracefully.
    await publish(env.topics.siem!, tranches[opts.kills]!);
    consumer = spawnConsumer(env, groupId, { NHI_METRICS_PORT: '0', NHI_LAG_INTERVAL_SECONDS: '1' });
    await waitUntil(
      'all offsets committed',
      async () => (await uncommitted(groupId, [env.topics.siem!])) === 0,
      240_000,
    );
    const check = await waitForIdentities(env.client, traffic.expected, 240_000);
    notes.push(
      `re-signalled ${check.redelivered} findings; ${uncommittedAtKills} messages uncommitted at the kills`,
    );
    await sleep(1_500); // one lag sample after the last commit
    const address = /"address":"(http:[^"]+)"/.exec(consumer.stderr.join(''))?.[1];
    notes.push(`metrics: ${address ? await scrape(address) : 'no metrics-listening log line'}`);
    consumer.child.kill('SIGTERM');
    const code = await Promise.race([consumer.exited, sleep(30_000).then(() => 'timeout')]);
    notes.push(`final consumer after SIGTERM: exit ${code}`);
    if (code !== 0) notes.push(consumer.stderr.join('').slice(-2_000));
    return {
      check,
      uncommittedAtKills,
      uncommitted: await uncommitted(groupId, [env.topics.siem!]),
      ms: Date.now() - start,
      notes,
    };
  } finally {
    if (consumer && consumer.child.exitCode === null && consumer.child.signalCode === null)
      consumer.child.kill('SIGKILL');
    await worker?.stop();
    await tearDown(env);
  }
}

/** `items` cut into `parts` consecutive slices of (nearly) equal size; order kept, so per-key order is too. */
function splitEvenly<T>(items: readonly T[], parts: number): T[][] {
  const size = Math.ceil(items.length / parts);
  return Array.from({ length: parts }, (_, i) => items.slice(i * size, (i + 1) * size));
}

/** The consumer's own view, from its /metrics: messages in, findings out, total lag. */
async function scrape(address: string): Promise<string> {
  const text = await (await fetch(address)).text();
  const sum = (name: string) =>
    [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'gm'))].reduce(
      (n, m) => n + Number(m[1]),
      0,
    );
  return `messages_total ${sum('nhi_consumer_messages_total')}, findings_total ${sum('nhi_consumer_findings_total')}, lag ${sum('nhi_consumer_lag')} over ${[...text.matchAll(/^nhi_consumer_lag\{/gm)].length} partitions`;
}

// --- Temporal outage --------------------------------------------------------------------------------------

export interface OutageOptions {
  findings: number;
  identities: number;
  outageMs: number;
  log?: (line: string) => void;
}

export interface OutageResult extends ScenarioResult {
  /** Messages not committed when Temporal came back: the consumer held them, it did not skip them. */
  uncommittedDuringOutage: number;
  retries: number;
  pausedSeen: boolean;
  stackHealthy: boolean;
}

export async function outageScenario(opts: OutageOptions): Promise<OutageResult> {
  const log = opts.log ?? (() => {});
  const target = await outageTarget(log);
  const env = await setUp('outage');
  const traffic = notableTraffic(opts.findings, opts.identities);
  const half = Math.floor(traffic.messages.length / 2);
  const notes: string[] = [`temporal for this test: ${target.address}`];
  let consumer: RunningPipeline | undefined;
  let worker: RunningPipeline | undefined;
  let pausedSeen = false;
  const start = Date.now();
  try {
    worker = await startPipeline({
      role: 'worker',
      taskQueue: env.taskQueue,
      eventsTopic: env.topics.events,
    });
    env.cleanup.unshift(() => terminateIdentities(env.client, traffic.expected.keys()));
    const events: string[] = [];
    const publishedSoFar = async () => {
      const admin = kafka('nhi-test-admin').admin();
      await admin.connect();
      try {
        return (await admin.fetchTopicOffsets(env.topics.siem!)).reduce((n, p) => n + Number(p.high), 0);
      } finally {
        await admin.disconnect();
      }
    };
    consumer = await startPipeline({
      role: 'consumer',
      taskQueue: env.taskQueue,
      groupId: env.taskQueue,
      topics: [env.topics.siem!],
      dlqTopic: env.topics.dlq,
      lagIntervalMs: 0,
      stepSize: 250,
      log: (event, fields) => {
        if (event === 'partition-paused') pausedSeen = true;
        if (/paused|resumed/.test(event) || (event === 'handoff-retry' && events.length < 4))
          events.push(`${event} ${JSON.stringify(fields ?? {}).slice(0, 240)}`);
      },
    });
    // The first half trickles in; Temporal goes away once a quarter of it is committed, while more arrives and
    // handoffs are in flight; the second half arrives during the outage.
    const trickle = (async () => {
      for (let i = 0; i < half; i += 100) {
        await publish(env.topics.siem!, traffic.messages.slice(i, Math.min(i + 100, half)));
        await sleep(50);
      }
    })();
    await waitUntil(
      'the consumer to make progress',
      async () =>
        (await uncommitted(env.taskQueue, [env.topics.siem!])) < (await publishedSoFar()) - half / 4,
      60_000,
    );
    const outageAt = Date.now();
    await target.stop();
    notes.push(
      `temporal stopped at ${outageAt - start} ms, uncommitted then: ${await uncommitted(env.taskQueue, [env.topics.siem!])}`,
    );
    await trickle;
    await publish(env.topics.siem!, traffic.messages.slice(half));
    await sleep(Math.max(0, opts.outageMs - (Date.now() - outageAt)));
    const during = await uncommitted(env.taskQueue, [env.topics.siem!]);
    await target.start();
    notes.push(
      `temporal back after ${Date.now() - outageAt} ms; uncommitted at the end of the outage: ${during}`,
    );
    // The worker may have given up while Temporal was away: it is restarted if so, as a supervisor would.
    const state = await Promise.race([
      worker.done.then(
        () => 'ended',
        (error) => `crashed (${(error as Error).message.slice(0, 120)})`,
      ),
      sleep(0).then(() => 'running'),
    ]);
    if (state !== 'running') {
      notes.push(`worker ${state} during the outage; restarted`);
      await worker.stop().catch(() => {});
      worker = await startPipeline({
        role: 'worker',
        taskQueue: env.taskQueue,
        eventsTopic: env.topics.events,
      });
    }
    await waitUntil(
      'all offsets committed',
      async () => (await uncommitted(env.taskQueue, [env.topics.siem!])) === 0,
      240_000,
    );
    const committedAt = Date.now();
    const check = await waitForIdentities(env.client, traffic.expected, 240_000);
    notes.push(
      `all committed ${committedAt - outageAt} ms after the outage began; identities complete ${Date.now() - committedAt} ms later`,
    );
    const metrics = await consumer.metrics.registry.getSingleMetricAsString(
      'nhi_consumer_handoff_retries_total',
    );
    const retries = [...metrics.matchAll(/\} (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
    notes.push(...events.slice(0, 8));
    return {
      check,
      uncommittedDuringOutage: during,
      uncommitted: await uncommitted(env.taskQueue, [env.topics.siem!]),
      ms: Date.now() - start,
      notes,
      retries,
      pausedSeen,
      stackHealthy: await target.healthy(),
    };
  } finally {
    if (!(await target.healthy().catch(() => false))) await target.start().catch(() => {});
    await consumer?.stop().catch(() => {});
    await worker?.stop().catch(() => {});
    await tearDown(env);
    await target.dispose();
  }
}
