// What the payload codec hands on for a payload it refuses (no key for its key id, altered ciphertext, plaintext
// where only ciphertext belongs): a small typed value instead of an error. An error would fail the workflow task
// and, since the payload stays in the history, every later one too (a reset replays it): one forged signal would
// wedge the workflow. Each handler recognises this value, records the refusal (schemas/refused-message.ts) and
// drops the message; the workflow goes on.

/** The only key of an undecodable value; never a field of any message we define. */
export const UNDECODABLE_KEY = 'nhiUndecodablePayload';

export interface Undecodable {
  [UNDECODABLE_KEY]: string;
}

export const undecodable = (reason: string): Undecodable => ({ [UNDECODABLE_KEY]: reason });

export function isUndecodable(value: unknown): value is Undecodable {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>)[UNDECODABLE_KEY] === 'string'
  );
}

/** Why it was refused (one line), or undefined for a value that decoded. */
export const undecodableReason = (value: unknown): string | undefined =>
  isUndecodable(value) ? value[UNDECODABLE_KEY] : undefined;
