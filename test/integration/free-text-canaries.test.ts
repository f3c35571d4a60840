// Secrets in free text, through the whole pipeline: canaries planted in the prose of Elastic, Splunk, Sentinel,
// ASFF and OCSF records (and in a record that is rejected) appear in no finding held by a workflow, no signal or
// other payload of a workflow history, no enforcement event, no DLQ record and no log line.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporalClient } from '../../runtime/connections.ts';
import { jsonLog } from '../../runtime/log.ts';
import { type RunningPipeline, startPipeline } from '../../runtime/pipeline.ts';
import type { Format } from '../../schemas/finding.ts';
import { normalizeInput } from '../../schemas/normalize.ts';
import { fingerprintKeyFromEnv } from '../../schemas/redaction.ts';
import { identityQuery, identityWorkflowId } from '../../workflows/identity/definitions.ts';
import { type Canaries, canariesIn, makeCanaries, plantInFreeText } from '../support/canaries.ts';
import { historyText } from '../support/history.ts';
import { collect, createTestTopics, deleteTestTopics, produce } from '../support/kafka.ts';
import { waitFor } from './identity-support.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures');

/** The first record of a fixture (whole document when it is one object), with canaries in its prose. */
function planted(file: string, canaries: Canaries, prepare: (r: unknown) => unknown = (r) => r): string {
  const text = readFileSync(join(FIXTURES, file), 'utf8');
  let first: unknown;
  try {
    const doc = JSON.parse(text);
    first = Array.isArray(doc) ? doc[0] : doc;
  } catch {
    first = JSON.parse(text.split('\n').find((l) => l.trim())!);
  }
  return JSON.stringify(plantInFreeText(prepare(first), canaries.prose));
}

let topics: Record<string, string>;
let pipeline: RunningPipeline;
const logLines: string[] = [];
const taskQueue = `canaries-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  topics = await createTestTopics('canaries', ['siem', 'cspm', 'dlq', 'events']);
  pipeline = await startPipeline({
    taskQueue,
    topics: [topics.siem!, topics.cspm!],
    dlqTopic: topics.dlq,
    eventsTopic: topics.events,
    groupId: taskQueue,
    log: jsonLog('test', (line) => logLines.push(line)),
  });
});

afterAll(async () => {
  await pipeline?.stop();
  if (topics) await deleteTestTopics(topics);
});

describe('canary secrets in SIEM and CSPM free text', () => {
  it('appear in no finding, signal, history, event, DLQ record or log line', async () => {
    const canaries = makeCanaries();
    const messages: Array<{ topic: string; format: Format; value: string }> = [
      {
        topic: topics.siem!,
        format: 'elastic-alert',
        value: planted('elastic-alert/aws-cloudtrail-alerts.json', canaries),
      },
      {
        topic: topics.siem!,
        format: 'splunk-notable',
        value: planted('splunk-notable/aws-notables-export.ndjson', canaries, (r) => {
          const n = r as { result: Record<string, unknown> };
          return { ...n, result: { ...n.result, rule_description: 'Access key used from a new country' } };
        }),
      },
      {
        topic: topics.siem!,
        format: 'sentinel',
        value: planted('sentinel/securityalert-rows.ndjson', canaries),
      },
      { topic: topics.cspm!, format: 'asff', value: planted('asff/controls-resolved-keys.json', canaries) },
      { topic: topics.cspm!, format: 'ocsf', value: planted('ocsf/prowler-credentials.ocsf.json', canaries) },
    ];
    for (const m of messages)
      expect(canariesIn(m.value, canaries).length, m.format).toBe(Object.keys(canaries.values).length);
    // Rejected (no time), its reason quoting the record: the DLQ must carry neither value nor reason in clear.
    const rejected = JSON.stringify({ 'kibana.alert.rule.name': 'x', '@timestamp': canaries.prose });

    // Which identities the pipeline will route to, by normalising the same bytes here.
    const keys = new Set<string>();
    for (const m of messages) {
      const outcomes = normalizeInput(m.value, { format: m.format, fingerprintKey: fingerprintKeyFromEnv() });
      const findings = outcomes.flatMap((o) => (o.ok ? o.findings : []));
      expect(findings.length, `${m.format} yields findings`).toBeGreaterThan(0);
      for (const f of findings) for (const i of f.identities) keys.add(i.key);
    }
    // Fixture identities are fixed and workflow ids global: a workflow left by an earlier run (on its own task
    // queue, with no worker now) would take the findings. Start from none.
    const client = await temporalClient();
    for (const key of keys)
      await client.workflow
        .getHandle(identityWorkflowId(key))
        .terminate('free-text-canaries test: fresh start')
        .catch(() => undefined);
    for (const m of messages) await produce(m.topic, [{ value: m.value, headers: { format: m.format } }]);
    await produce(topics.siem!, [{ value: rejected, headers: { format: 'elastic-alert' } }]);

    const dlq = await collect(topics.dlq!, (ms) => ms.length >= 1);
    const events = await collect(topics.events!, (ms) => {
      const seen = new Set(ms.map((e) => e.key?.toString()));
      return [...keys].every((k) => seen.has(k));
    });

    const stored: string[] = [];
    try {
      for (const key of keys) {
        const handle = client.workflow.getHandle(identityWorkflowId(key));
        const state = await waitFor(`findings of ${key}`, async () => {
          const s = await handle.query(identityQuery);
          return s.findingIds.length > 0 ? s : undefined;
        });
        stored.push(JSON.stringify(state));
        stored.push(await historyText(client, identityWorkflowId(key)));
      }
    } finally {
      await client.connection.close();
    }

    const text = (m: KafkaMessage) =>
      [m.key?.toString(), m.value?.toString(), ...Object.values(m.headers ?? {}).map(String)].join('\n');
    expect(dlq[0]!.headers?.reason?.toString()).toMatch(/timestamp/);
    expect(canariesIn(dlq.map(text).join('\n'), canaries), 'DLQ').toEqual([]);
    expect(canariesIn(events.map(text).join('\n'), canaries), 'events').toEqual([]);
    expect(canariesIn(stored.join('\n'), canaries), 'workflow state and history').toEqual([]);
    expect(canariesIn(logLines.join('\n'), canaries), 'logs').toEqual([]);
    // Not vacuous: the prose reached the workflows, redacted.
    expect(stored.join('\n')).toContain('[REDACTED]');
    expect(logLines.some((l) => l.includes('"dlq"'))).toBe(true);
  });
});
