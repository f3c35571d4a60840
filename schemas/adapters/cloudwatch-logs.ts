// A CloudWatch Logs subscription payload around log lines: what a subscription filter on a log group (CloudTrail
// delivered to CloudWatch Logs, for one) sends to Kinesis, Firehose or Lambda. Decoded it is
// {messageType: "DATA_MESSAGE", owner, logGroup, logStream, subscriptionFilters, logEvents: [{id, timestamp,
// message}]}, each message one log line (for CloudTrail, one record as JSON); "CONTROL_MESSAGE" only checks that
// the destination is reachable. Lambda receives it gzipped and base64-encoded as {awslogs: {data}}.
import { gunzipSync } from 'node:zlib';
import { isObject } from './util.ts';

/** Subscription payloads are at most 1 MB compressed; a bigger inflation is refused, not decoded. */
const MAX_DECODED_BYTES = 16 * 1024 * 1024;

export interface LogsDataMessage {
  messageType: 'DATA_MESSAGE';
  logGroup: string;
  logEvents: Array<{ message: string }>;
}

export function isDataMessage(doc: unknown): doc is LogsDataMessage {
  return (
    isObject(doc) &&
    doc.messageType === 'DATA_MESSAGE' &&
    typeof doc.logGroup === 'string' &&
    Array.isArray(doc.logEvents) &&
    doc.logEvents.every((e) => isObject(e) && typeof e.message === 'string')
  );
}

export const isControlMessage = (doc: unknown): boolean =>
  isObject(doc) && doc.messageType === 'CONTROL_MESSAGE' && typeof doc.logGroup === 'string';

export const isAwslogs = (doc: unknown): doc is { awslogs: { data: string } } =>
  isObject(doc) && isObject(doc.awslogs) && typeof doc.awslogs.data === 'string';

// detect, variant and records each look at the same document: decode it once.
const decoded = new WeakMap<object, unknown>();

/** `{awslogs: {data}}` → the payload it carries, or undefined when data is not gzipped JSON (or inflates too far). */
export function decodeAwslogs(doc: { awslogs: { data: string } }): unknown {
  if (decoded.has(doc)) return decoded.get(doc);
  let value: unknown;
  try {
    const bytes = gunzipSync(Buffer.from(doc.awslogs.data, 'base64'), { maxOutputLength: MAX_DECODED_BYTES });
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    value = undefined;
  }
  decoded.set(doc, value);
  return value;
}

/** A log line that is JSON → its value; any other line stays a string (and is rejected as a record). */
export function parseMessage(message: string): unknown {
  try {
    return JSON.parse(message);
  } catch {
    return message;
  }
}
