// Finding → enforcement latency on the automatic path, as a user sees it: a real leaked-key finding (the demo's
// trufflehog record about a fresh IAM user and key in the emulator) is produced to Kafka, and the clock stops when
// IAM reports the key Inactive. Runs while other load goes on, so the figure includes queueing behind it.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ListAccessKeysCommand } from '@aws-sdk/client-iam';
import type { Producer } from 'kafkajs';
import type { AwsClients } from '../activities/aws/clients.ts';
import { splitRecords } from '../consumers/split-records.ts';
import { renderSample, seedDemoEstate } from '../demo/estate.ts';
import { fingerprintKeyFromEnv } from '../schemas/redaction.ts';

const SAMPLE = new URL('../demo/leaked-key.trufflehog.jsonl', import.meta.url);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface LatencyProbe {
  ms: number;
  /** The bulk load was still being ingested when the finding was produced. */
  underLoad: boolean;
  /** The identity workflows it created (to clean up, and to read the phases from). */
  identities: string[];
  /** Epoch ms when the finding was produced and when the key was seen Inactive (for probePhases). */
  producedAt: number;
  inactiveAt: number;
}

export interface ProbeOptions {
  aws: AwsClients;
  producer: Producer;
  topic: string;
  /** Give up on one probe after this long (reported as a failure, not as a latency). */
  timeoutMs?: number;
  loadRunning: () => boolean;
}

/** One probe: seed a user that can reach admin and its key, leak the key, time until it is Inactive. */
export async function probeEnforcement(opts: ProbeOptions): Promise<LatencyProbe> {
  const estate = await seedDemoEstate(opts.aws, `lat-${randomUUID().slice(0, 6)}`);
  const [record] = splitRecords(
    Buffer.from(renderSample(readFileSync(SAMPLE, 'utf8'), estate)),
    'trufflehog',
    fingerprintKeyFromEnv(),
  );
  const underLoad = opts.loadRunning();
  const producedAt = Date.now();
  const start = performance.now();
  await opts.producer.send({
    topic: opts.topic,
    acks: -1,
    messages: [{ key: record!.key ?? null, value: record!.value, headers: { format: 'trufflehog' } }],
  });
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  for (;;) {
    const keys = await opts.aws.iam.send(new ListAccessKeysCommand({ UserName: estate.user.name }));
    if (keys.AccessKeyMetadata?.some((k) => k.AccessKeyId === estate.key.id && k.Status === 'Inactive'))
      break;
    if (Date.now() > deadline)
      throw new Error(`key ${estate.key.id} not deactivated within the probe timeout`);
    await sleep(50);
  }
  return {
    ms: performance.now() - start,
    producedAt,
    inactiveAt: Date.now(),
    underLoad,
    identities: [`aws:access-key:${estate.key.id}`, estate.user.arn],
  };
}

export function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
