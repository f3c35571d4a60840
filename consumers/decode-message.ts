// A Kafka message → canonical findings, or the reason it cannot be used. The format comes from the message's
// `format` header, else `auto`. Pure apart from hashing.
import { createHash } from 'node:crypto';
import type { Finding } from '../schemas/finding.ts';
import { FormatOrAuto } from '../schemas/finding.ts';
import { normalizeInput } from '../schemas/normalize.ts';

/** Larger messages are refused before parsing: a finding record is kilobytes, not megabytes. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

export type Decoded = { ok: true; findings: Finding[] } | { ok: false; reason: string; format?: string };

export function headerText(value: Buffer | string | (Buffer | string)[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

export function decodeMessage(
  value: Buffer | null,
  formatHeader: string | undefined,
  fingerprintKey: string,
): Decoded {
  if (!value || value.length === 0) return { ok: false, reason: 'empty message' };
  if (value.length > MAX_MESSAGE_BYTES)
    return { ok: false, reason: `message too large (${value.length} bytes > ${MAX_MESSAGE_BYTES})` };
  const format = FormatOrAuto.safeParse(formatHeader ?? 'auto');
  if (!format.success)
    return { ok: false, reason: `unknown format header '${String(formatHeader).slice(0, 40)}'` };
  const outcomes = normalizeInput(value, { format: format.data, fingerprintKey });
  const rejected = outcomes.filter((o) => !o.ok);
  if (outcomes.length === 0) return { ok: false, reason: 'message holds no record' };
  if (rejected.length) {
    const first = rejected[0]!;
    return { ok: false, reason: first.ok ? 'rejected' : first.reason, format: first.format };
  }
  return { ok: true, findings: outcomes.flatMap((o) => (o.ok ? o.findings : [])) };
}

export const sha256 = (value: Buffer) => createHash('sha256').update(value).digest('hex');
