// Scale-out, proven on one machine: N `nhi run consumer` processes in one group over a 6-partition topic and M
// `nhi run worker` processes, started as separate processes like a deployment would. One consumer is SIGKILLed
// mid-run (the group rebalances, the digest is restored from the compacted topic); afterwards every identity
// workflow must hold exactly its findings. Throughput is time until the group has committed everything.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { kafka, temporalClient } from '../runtime/connections.ts';
import { identityQuery, identityWorkflowId } from '../workflows/identity/definitions.ts';
import { notableTraffic } from './traffic.ts';

const nhiBin = fileURLToPath(new URL('../bin/nhi.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ScaleOutOptions {
  consumers: number;
  workers: number;
  findings: number;
  identities: number;
  partitions?: number;
  /** SIGKILL one consumer once about a third of the messages are committed. */
  kill: boolean;
  /** SIGKILL a consumer this many times, spread over the run, each replaced by a new one (overrides `kill`). */
  kills?: number;
  /** Share of findings that repeat an earlier one with only volatile fields changed (default 0). */
  repeatRatio?: number;
  onProgress?: (line: string) => void;
}

export interface ScaleOutResult {
  consumers: number;
  workers: number;
  findings: number;
  identities: number;
  partitions: number;
  killed: boolean;
  /** SIGKILLs done, each with the group's uncommitted messages right after it. */
  kills: Array<{ uncommitted: number }>;
  /** Deliveries of a finding its workflow already held (re-signals after the kills), summed over identities. */
  redelivered: number;
  distinct: number;
  ms: number;
  findingsPerSec: number;
  identitiesComplete: number;
  missing: number;
  unexpected: number;
  /** Children that died on their own (a dead worker is replaced), with their last stderr line. */
  unexpectedExits: Array<{ role: string; code: number | null; signal: string | null; lastLine: string }>;
}

async function uncommitted(groupId: string, topic: string): Promise<number> {
  const admin = kafka('nhi-scale-admin').admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    return ends.reduce((n, { partition, high }) => {
      const at = Number(committed?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
      return n + Number(high) - Math.max(at, 0);
    }, 0);
  } finally {
    await admin.disconnect();
  }
}

export async function benchScaleOut(opts: ScaleOutOptions): Promise<ScaleOutResult> {
  const say = opts.onProgress ?? (() => {});
  const id = randomUUID().slice(0, 8);
  const partitions = opts.partitions ?? 6;
  const topic = `bench.scale.${id}`;
  const dlq = `bench.scale.dlq.${id}`;
  const events = `bench.scale.events.${id}`;
  const digest = `bench.scale.digest.${id}`;
  const taskQueue = `bench-scale-${id}`;
  const admin = kafka('nhi-scale').admin();
  await admin.connect();
  const temporal = await temporalClient();
  const children: ChildProcess[] = [];
  const unexpectedExits: ScaleOutResult['unexpectedExits'] = [];
  let finished = false;
  const traffic = notableTraffic(opts.findings, opts.identities, id, { repeatRatio: opts.repeatRatio ?? 0 });
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions: partitions, replicationFactor: 1 },
        { topic: dlq, numPartitions: 1, replicationFactor: 1 },
        { topic: events, numPartitions: 1, replicationFactor: 1 },
      ],
    });
    const env = {
      ...process.env,
      NHI_FINDINGS_TOPICS: topic,
      NHI_DLQ_TOPIC: dlq,
      NHI_EVENTS_TOPIC: events,
      NHI_DIGEST_TOPIC: digest,
      NHI_TASK_QUEUE: taskQueue,
      NHI_CONSUMER_GROUP: taskQueue,
      NHI_METRICS_PORT: 'off',
      NHI_LAG_INTERVAL_SECONDS: '0',
      NHI_SESSION_TIMEOUT_MS: '10000',
      NHI_PARTITIONS_CONCURRENTLY: String(partitions),
    };
    // A child that dies on its own (not by our SIGKILL or the final SIGTERM) is said with its last stderr line;
    // a dead worker is replaced, or the check below would wait on queries nobody answers.
    const start = (role: string): ChildProcess => {
      const child = spawn(process.execPath, [nhiBin, 'run', role], {
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      // The last 40 lines: a crash's native stack trace follows the line that says why.
      let tail: string[] = [];
      child.stderr!.on('data', (chunk: Buffer) => {
        tail = [...tail, ...chunk.toString().trim().split('\n')].slice(-40);
      });
      child.once('exit', (code, signal) => {
        if (finished || signal === 'SIGKILL') return;
        const lastLine = tail.findLast((l) => /FATAL|Error|error/.test(l)) ?? tail.at(-1) ?? '';
        unexpectedExits.push({ role, code, signal, lastLine: lastLine.slice(0, 500) });
        say(`${role} exited on its own (${signal ?? `code ${code}`}): ${lastLine.slice(0, 300)}`);
        if (role === 'worker') start('worker');
      });
      children.push(child);
      return child;
    };
    say(
      `publishing ${opts.findings} findings about ${opts.identities} identities to ${partitions} partitions`,
    );
    const producer = kafka('nhi-scale').producer({ idempotent: true });
    await producer.connect();
    for (let i = 0; i < traffic.messages.length; i += 1_000)
      await producer.send({ topic, acks: -1, messages: traffic.messages.slice(i, i + 1_000) });
    await producer.disconnect();

    say(`starting ${opts.workers} worker(s) and ${opts.consumers} consumer(s)`);
    for (let i = 0; i < opts.workers; i++) start('worker');
    const began = Date.now();
    const consumers = Array.from({ length: opts.consumers }, () => start('consumer'));
    const planned = opts.kills ?? (opts.kill ? 1 : 0);
    const kills: Array<{ uncommitted: number }> = [];
    let lastKill = 0;
    let leftAtLastKill = opts.findings;
    for (;;) {
      const left = await uncommitted(taskQueue, topic);
      if (left === 0) break;
      // The k-th kill once (k / (planned + 1)) of the messages are committed, or 10 s after the one before if
      // commits come in larger jumps than that (reading ahead) — but only once the group committed something since
      // the one before, so every kill lands on a consumer with work in progress (not on one still joining).
      // Never sooner than 5 s after the one before.
      const due = opts.findings * (1 - (kills.length + 1) / (planned + 1));
      const since = Date.now() - (lastKill || began);
      const progressed = left < leftAtLastKill;
      if (kills.length < planned && since > 5_000 && progressed && (left <= due || since > 10_000)) {
        const victim = consumers.shift()!;
        victim.kill('SIGKILL');
        lastKill = Date.now();
        const after = await uncommitted(taskQueue, topic);
        leftAtLastKill = after;
        kills.push({ uncommitted: after });
        say(`SIGKILL consumer ${kills.length}/${planned} with ${after} messages uncommitted`);
        if (opts.kills !== undefined) consumers.push(start('consumer'));
      }
      if (Date.now() - began > 30 * 60_000)
        throw new Error(`not all committed after 30 minutes (${left} left)`);
      await sleep(500);
    }
    const killed = kills.length > 0;
    const ms = Date.now() - began;
    say(`all committed in ${ms} ms; checking every identity`);
    let complete = 0;
    let missing = 0;
    let unexpected = 0;
    const deadline = Date.now() + 10 * 60_000;
    let redelivered = 0;
    const check = async ([key, ids]: [string, Set<string>]) => {
      for (;;) {
        const record = await temporal.workflow
          .getHandle(identityWorkflowId(key))
          .query(identityQuery)
          .catch(() => undefined);
        const held = new Set(record?.findingIds ?? []);
        const lost = [...ids].filter((f) => !held.has(f)).length;
        if (lost === 0 || Date.now() > deadline) {
          missing += lost;
          unexpected += [...held].filter((f) => !ids.has(f)).length;
          redelivered += record?.redelivered ?? 0;
          if (lost === 0) complete++;
          return;
        }
        await sleep(500);
      }
    };
    // Queries in parallel (each may replay a workflow the workers evicted): thousands of identities in minutes.
    const queue = [...traffic.expected];
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) await check(next);
      }),
    );
    return {
      consumers: opts.consumers,
      workers: opts.workers,
      findings: opts.findings,
      identities: opts.identities,
      partitions,
      killed,
      kills,
      redelivered,
      distinct: traffic.distinct,
      ms,
      findingsPerSec: opts.findings / (ms / 1000),
      identitiesComplete: complete,
      missing,
      unexpected,
      unexpectedExits,
    };
  } finally {
    finished = true;
    // A SIGKILLed child has no exit code but a signal code: it has exited too.
    const alive = children.filter((c) => c.exitCode === null && c.signalCode === null);
    for (const child of alive) child.kill('SIGTERM');
    await Promise.all(alive.map((c) => new Promise((r) => c.once('exit', r))));
    await Promise.all(
      [...traffic.expected.keys()].map((key) =>
        temporal.workflow
          .getHandle(identityWorkflowId(key))
          .terminate('bench finished')
          .catch(() => undefined),
      ),
    );
    await admin.deleteTopics({ topics: [topic, dlq, events, digest] }).catch(() => {});
    await admin.disconnect();
    await temporal.connection.close();
  }
}
