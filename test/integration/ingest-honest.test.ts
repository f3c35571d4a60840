// `nhi ingest` dead-letters what it says it dead-letters: a file with valid records, a line that is not UTF-8 and
// a 2 MB record publishes the valid ones (their findings reach their identities), sends the non-UTF-8 line as its
// exact bytes (dead-lettered, sealed, recoverable byte for byte) and refuses the 2 MB record by name. A record that
// names no identity is counted by `nhi ingest` and reported by the consumer (ingest.no-identity), not dropped.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { dlqKey, unseal } from '../../consumers/dlq-seal.ts';
import { temporalClient } from '../../runtime/connections.ts';
import { type RunningPipeline, startPipeline } from '../../runtime/pipeline.ts';
import { identityQuery, identityWorkflowId } from '../../workflows/identity/definitions.ts';
import { notableTraffic, terminateIdentities, waitUntil } from '../fault/support/ingest.ts';
import { collect, createTestTopics, deleteTestTopics } from '../support/kafka.ts';

let topics: Record<string, string>;
let pipeline: RunningPipeline;
let client: Client;
const groupId = `ingest-honest-${randomUUID().slice(0, 8)}`;
const traffic = notableTraffic(2, 2);

beforeAll(async () => {
  topics = await createTestTopics('ingest-honest', ['siem', 'dlq', 'events'], 1);
  client = await temporalClient();
  pipeline = await startPipeline({
    taskQueue: groupId,
    groupId,
    topics: [topics.siem!],
    dlqTopic: topics.dlq,
    eventsTopic: topics.events,
    lagIntervalMs: 0,
  });
});

afterAll(async () => {
  await pipeline?.stop();
  if (client) {
    await terminateIdentities(client, traffic.expected.keys());
    await client.connection.close();
  }
  if (topics) await deleteTestTopics(topics);
});

describe('nhi ingest with a non-UTF-8 record and a 2 MB record among valid ones', () => {
  it('publishes the valid ones and reports the other two by record', async () => {
    const notUtf8 = Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0xff, 0x22, 0x7d]);
    const big = JSON.parse(String(traffic.messages[0]!.value)) as { result: Record<string, unknown> };
    big.result.padding = 'x'.repeat(2 * 1024 * 1024);
    const file = join(mkdtempSync(join(tmpdir(), 'nhi-ingest-')), 'mixed.ndjson');
    writeFileSync(
      file,
      Buffer.concat([
        Buffer.from(`${traffic.messages[0]!.value}\n`),
        notUtf8,
        Buffer.from(`\n${JSON.stringify(big)}\n${traffic.messages[1]!.value}\n`),
      ]),
    );

    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['ingest', file, '--topic', topics.siem!, '--json'], {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
    });
    expect(code).toBe(1);
    const summary = JSON.parse(out[0]!);
    expect(summary).toMatchObject({ messages: 3, flagged: 1, refused: [{ file, line: 3, record: 0 }] });
    expect(err.join('\n')).toContain(`${file}: line 3 record 0: refused`);
    expect(err.join('\n')).toContain(`${file}: will be dead-lettered: line 2: input is not valid UTF-8`);

    for (const [key, ids] of traffic.expected)
      await waitUntil(
        `findings of ${key}`,
        async () => {
          const handle = client.workflow.getHandle(identityWorkflowId(key));
          const state = await handle.query(identityQuery).catch(() => undefined); // not started yet
          return state?.findingIds.length === ids.size;
        },
        90_000,
      );

    const [dead] = await collect(topics.dlq!, (ms) => ms.length >= 1, 90_000);
    const header = (name: string) => dead!.headers?.[name]?.toString();
    expect(header('reason')).toMatch(/not valid UTF-8.*\(nhi ingest: line 2: input is not valid UTF-8\)/);
    expect(header('value-sealed')).toMatch(/^aes-256-gcm;key=/);
    expect(unseal(dead!.value!, dlqKey()).equals(notUtf8)).toBe(true);
  });

  it('a Sentinel incident with no entities is counted by nhi ingest and reported by the consumer as an event', async () => {
    const file = 'test/fixtures/sentinel/incident-rest-get.json';
    const out: string[] = [];
    const code = await main(['ingest', file, '--topic', topics.siem!], {
      out: (l) => out.push(l),
      err: () => {},
    });
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(/; 1 record\(s\) named no identity: no identity workflow will hold them/);
    const events = await collect(
      topics.events!,
      (ms) => ms.some((m) => m.headers?.['event-type']?.toString() === 'ingest.no-identity'),
      90_000,
    );
    const event = events.find((m) => m.headers?.['event-type']?.toString() === 'ingest.no-identity')!;
    expect(JSON.parse(String(event.value))).toMatchObject({
      type: 'ingest.no-identity',
      detail: { format: 'sentinel', source: { topic: topics.siem } },
    });
  });
});
