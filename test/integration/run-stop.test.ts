// `nhi run` stops when told: SIGTERM or SIGINT in the middle of consumption ends the process with status 0, after
// the step in flight is committed: every finding it signalled is below the committed offset, none above it.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporalClient } from '../../runtime/connections.ts';
import { identityWorkflowId } from '../../workflows/identity/definitions.ts';
import {
  notableTraffic,
  publish,
  terminateIdentities,
  uncommitted,
  waitUntil,
} from '../fault/support/ingest.ts';
import { createTestTopics, deleteTestTopics } from '../support/kafka.ts';

const nhiBin = fileURLToPath(new URL('../../bin/nhi.js', import.meta.url));
/** Named deadlines, generous for a loaded 2-core machine: they fail a hung test, they measure nothing. */
const START_DEADLINE_MS = 120_000;
const EXIT_DEADLINE_MS = 60_000;

interface Running {
  child: ChildProcess;
  exited: Promise<number | null>;
  stderr: () => string;
}

function spawnRun(role: string, env: Record<string, string>): Running {
  const child = spawn(process.execPath, [nhiBin, 'run', role], {
    env: { ...process.env, NHI_METRICS_PORT: 'off', NHI_LAG_INTERVAL_SECONDS: '0', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exited, stderr: () => stderr };
}

async function exitWithin(run: Running, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), ms)));
  const code = await Promise.race([run.exited, late]);
  clearTimeout(timer);
  if (code === 'late') {
    run.child.kill('SIGKILL');
    throw new Error(`still running ${ms} ms after the signal; stderr tail: ${run.stderr().slice(-600)}`);
  }
  return code;
}

async function workflowExists(client: Client, key: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(identityWorkflowId(key)).describe();
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

async function allExist(client: Client, keys: string[]): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let i = 0; i < keys.length; i += 25) {
    out.push(...(await Promise.all(keys.slice(i, i + 25).map((k) => workflowExists(client, k)))));
  }
  return out;
}

describe('nhi run stops when told', () => {
  let client: Client;
  const cleanup: Array<() => Promise<unknown>> = [];
  beforeAll(async () => {
    client = await temporalClient();
  });
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => {});
    await client.connection.close();
  });

  for (const [role, signal] of [
    ['consumer', 'SIGTERM'],
    ['all', 'SIGINT'],
    ['all', 'SIGTERM'],
    ['consumer', 'SIGINT'],
  ] as const) {
    it(`${role}: ${signal} mid-stream → exit 0, the last step committed, nothing signalled past it`, async () => {
      const topics = await createTestTopics(`stop-${role}`, ['siem', 'dlq', 'events'], 1);
      cleanup.push(() => deleteTestTopics(topics));
      // One identity per message, so "which identities have a workflow" says exactly which messages were signalled.
      const total = 3_000;
      const traffic = notableTraffic(total, total);
      const keys = traffic.messages.map((m) => String(m.key));
      await publish(topics.siem!, traffic.messages);
      const taskQueue = `stop-${randomUUID().slice(0, 8)}`;
      const run = spawnRun(role, {
        NHI_FINDINGS_TOPICS: topics.siem!,
        NHI_DLQ_TOPIC: topics.dlq!,
        NHI_EVENTS_TOPIC: topics.events!,
        NHI_TASK_QUEUE: taskQueue,
        NHI_CONSUMER_GROUP: taskQueue,
        NHI_STEP_SIZE: '20',
        // A read-ahead the stop can drain well within its time: then nothing read is left signalled uncommitted.
        NHI_READ_AHEAD: '100',
      });
      let committed = 0;
      try {
        // Signalled once the process has committed a step of its own: it is then in the middle of consuming.
        await waitUntil(
          'the first committed step',
          async () => run.child.exitCode !== null || (await uncommitted(taskQueue, [topics.siem!])) < total,
          START_DEADLINE_MS,
        );
        expect(run.child.exitCode, run.stderr().slice(-600)).toBeNull();
        run.child.kill(signal);
        expect(await exitWithin(run, EXIT_DEADLINE_MS)).toBe(0);
        committed = total - (await uncommitted(taskQueue, [topics.siem!]));
      } finally {
        run.child.kill('SIGKILL');
        cleanup.push(() => terminateIdentities(client, keys.slice(0, committed + 200)));
      }
      expect(run.stderr()).toContain('"event":"stopped"');
      expect(run.stderr()).not.toMatch(/stop-failed|exit-forced/);
      expect(committed).toBeGreaterThan(0);
      // Every message below the committed offset reached its workflow; the step in flight at the signal was
      // finished and committed, so no message past the committed offset was signalled.
      const below = await allExist(client, keys.slice(0, committed));
      expect(below.filter((e) => !e).length).toBe(0);
      const past = await allExist(client, keys.slice(committed, committed + 200));
      expect(past.filter(Boolean).length).toBe(0);
    }, 300_000);
  }

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`worker: ${signal} → exit 0`, async () => {
      const run = spawnRun('worker', { NHI_TASK_QUEUE: `stop-${randomUUID().slice(0, 8)}` });
      try {
        await waitUntil(
          'the worker to run',
          async () => run.child.exitCode !== null || run.stderr().includes('"event":"running"'),
          START_DEADLINE_MS,
        );
        run.child.kill(signal);
        expect(await exitWithin(run, EXIT_DEADLINE_MS)).toBe(0);
      } finally {
        run.child.kill('SIGKILL');
      }
      expect(run.stderr()).toContain('"event":"stopped"');
      expect(run.stderr()).not.toMatch(/stop-failed|exit-forced/);
    }, 300_000);
  }
});
