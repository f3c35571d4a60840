// A workflow history as evidence reads it: Temporal's own JSON (what `temporal workflow show --output json` and
// Worker.runReplayHistories read), and the same events with every payload decoded to its value, so a summary is
// derived from what the history says rather than from what our code believes it says.
//
// Decoding is generic (any event type, any attribute holding payloads): events added by later workflow versions
// (signed approvals, rollbacks, re-checks) are read the same way as today's.
import type { PayloadCodec } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { History } from './fetch-history.ts';

export interface DecodedEvent {
  id: number;
  time: string;
  /** e.g. WorkflowExecutionStarted (EVENT_TYPE_ prefix dropped, CamelCase). */
  type: string;
  /** The event's attributes with every payload replaced by its decoded value. */
  attrs: Record<string, unknown>;
}

/** Payloads whose bytes are not JSON keep their encoding and size, never their bytes. */
export interface OpaquePayload {
  encoding: string;
  bytes: number;
}

type JsonPayload = { metadata?: Record<string, string>; data?: string };

const isPayload = (v: unknown): v is JsonPayload =>
  typeof v === 'object' &&
  v !== null &&
  'metadata' in v &&
  typeof (v as JsonPayload).metadata === 'object' &&
  typeof (v as JsonPayload).metadata?.encoding === 'string';

const fromBase64 = (b64: string | undefined) => Buffer.from(b64 ?? '', 'base64');

function payloadValue(p: JsonPayload): unknown {
  const encoding = fromBase64(p.metadata?.encoding).toString('utf8');
  if (encoding === 'binary/null') return null;
  const bytes = fromBase64(p.data);
  if (encoding === 'json/plain') {
    try {
      return JSON.parse(bytes.toString('utf8'));
    } catch {
      // fall through: kept opaque
    }
  }
  return { encoding, bytes: bytes.length } satisfies OpaquePayload;
}

/** Deep copy of `value` with payloads decoded; `{payloads:[…]}` becomes the array of values. */
function decodeValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeValue);
  if (typeof value !== 'object' || value === null) return value;
  if (isPayload(value)) return payloadValue(value);
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === 'payloads' && Array.isArray((value as { payloads: unknown }).payloads))
    return ((value as { payloads: unknown[] }).payloads ?? []).map(decodeValue);
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = decodeValue((value as Record<string, unknown>)[k]);
  return out;
}

const camel = (eventType: string) =>
  eventType
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());

/** The events of a history JSON text (as exported), payloads decoded. */
export function decodeHistoryJson(json: string): DecodedEvent[] {
  const parsed = JSON.parse(json) as { events?: Array<Record<string, unknown>> };
  return (parsed.events ?? []).map((e) => {
    const attrsKey = Object.keys(e).find((k) => k.endsWith('EventAttributes'));
    return {
      id: Number(e.eventId),
      time: String(e.eventTime ?? ''),
      type: camel(String(e.eventType ?? '')),
      attrs: attrsKey ? (decodeValue(e[attrsKey]) as Record<string, unknown>) : {},
    };
  });
}

type ProtoPayload = { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null };

function collectPayloads(value: unknown, into: ProtoPayload[][]): void {
  if (Array.isArray(value)) {
    for (const v of value) collectPayloads(v, into);
    return;
  }
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return;
  const v = value as Record<string, unknown>;
  if (Array.isArray(v.payloads)) {
    into.push(v.payloads as ProtoPayload[]);
    return;
  }
  if (v.metadata && typeof v.metadata === 'object' && 'encoding' in (v.metadata as object)) {
    into.push([v as ProtoPayload]);
    return;
  }
  for (const k of Object.keys(v)) collectPayloads(v[k], into);
}

/**
 * Temporal JSON of a history whose payloads were encoded by `codecs` (encryption, compression): decoded here, so
 * the evidence reads without the keys. Codecs decode in reverse order of encoding, as the SDK's data converter does.
 */
export async function historyJson(history: History, codecs: readonly PayloadCodec[] = []): Promise<string> {
  if (codecs.length) {
    const groups: ProtoPayload[][] = [];
    collectPayloads(history.events ?? [], groups);
    for (const group of groups) {
      let decoded = group as never[];
      for (const codec of [...codecs].reverse()) decoded = (await codec.decode(decoded)) as never[];
      group.forEach((p, i) => {
        const d = decoded[i] as unknown as ProtoPayload;
        p.metadata = d.metadata;
        p.data = d.data;
      });
    }
  }
  return historyToJSON(history as never);
}

/** A run's events and id as its history states them (the started event names the run it began as). */
export function runFromJson(json: string): { runId: string; events: DecodedEvent[] } {
  const events = decodeHistoryJson(json);
  const started = events[0]?.attrs as { originalExecutionRunId?: string } | undefined;
  return { runId: started?.originalExecutionRunId ?? '?', events };
}
