// A minimal service signature for one message: the consumer's rescan report. The consumer MACs the report it read
// from Kafka (scope, tool, topic, partition, offset, broker time, entries); the worker checks the MAC before the
// rescan workflow acts on it, so a `rescanReport` signal sent from a bare Temporal client (no service key) is
// refused and recorded. The key is derived from the normaliser's fingerprint key (NHI_FINGERPRINT_KEY), which the
// consumer and the worker both hold. A stand-in, named for its one use, until one service-signature helper
// covers every service message.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { RescanReport } from '../workflows/rescan/scope-state.ts';
import { fingerprintKeyFromEnv } from './redaction.ts';

const PURPOSE = 'nhi-rescan-report/v1';

/** JSON with keys sorted, so both sides MAC the same bytes whatever order they built the object in. */
const sorted = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(sorted)
    : v && typeof v === 'object'
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
            .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
        )
      : v;
const canonicalJson = (v: unknown) => JSON.stringify(sorted(v));

export function rescanMacKey(env: NodeJS.ProcessEnv = process.env): Buffer {
  return createHmac('sha256', fingerprintKeyFromEnv(env)).update(PURPOSE).digest();
}

const signedPart = (r: RescanReport) =>
  canonicalJson({
    purpose: PURPOSE,
    format: r.format,
    scope: r.scope,
    at: r.at,
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    entries: r.entries,
  });

export function rescanReportMac(report: RescanReport, key: Buffer = rescanMacKey()): string {
  return createHmac('sha256', key).update(signedPart(report)).digest('hex');
}

/** Why the report's MAC does not hold, or undefined. */
export function rescanMacProblem(report: RescanReport, key: Buffer = rescanMacKey()): string | undefined {
  if (typeof report.mac !== 'string' || !/^[0-9a-f]{64}$/.test(report.mac))
    return 'no service signature (not sent by the findings consumer)';
  const want = Buffer.from(rescanReportMac(report, key), 'hex');
  if (!timingSafeEqual(want, Buffer.from(report.mac, 'hex')))
    return 'the service signature does not match the report (forged or altered)';
  return undefined;
}
