// An SNS notification around a finding: what an EventBridge rule → SNS topic → SQS/HTTP subscription delivers
// (the way GuardDuty's and Security Hub's guides route findings to other systems), unless raw delivery is on.
// The finding is the notification's Message, a JSON string; the envelope itself says nothing about it.
import { isObject } from './adapters/util.ts';

export type SnsUnwrapped =
  | { wrapped: false }
  | { wrapped: true; ok: true; message: unknown }
  | { wrapped: true; ok: false; reason: string };

/** `{Type: "Notification", TopicArn, Message: "<json>"}` → the parsed Message. */
export function unwrapSns(doc: unknown): SnsUnwrapped {
  if (
    !isObject(doc) ||
    doc.Type !== 'Notification' ||
    typeof doc.Message !== 'string' ||
    typeof doc.TopicArn !== 'string'
  )
    return { wrapped: false };
  try {
    return { wrapped: true, ok: true, message: JSON.parse(doc.Message) };
  } catch {
    return { wrapped: true, ok: false, reason: 'SNS notification whose Message is not JSON' };
  }
}

/** The variant of what an SNS notification carried: `guardduty/eventbridge-via-sns`. */
export const viaSns = (variant: string | undefined) => (variant ? `${variant}-via-sns` : undefined);
