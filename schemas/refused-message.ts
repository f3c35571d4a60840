// A message a workflow refused: a forged or unverifiable signal or update (no valid signature, a role the policy
// does not give, a hint its source of truth contradicts, a payload that could not be decrypted). Every workflow that
// accepts messages keeps the latest of these in its state, so `nhi identity`, `nhi enforcement status` and the
// evidence show who tried what and why it was refused; the full list stays in the workflow's history.

export interface RefusedMessage {
  /** Workflow time (ISO 8601) when it arrived. */
  at: string;
  /** The signal or update name, e.g. `rollback`, `resume`, `findingsClosed`. */
  message: string;
  /** Who the message claims to come from (a person, a service, a workflow id); a claim, never trusted. */
  claimedBy?: string;
  /** One line: why it was refused. */
  reason: string;
}

/** How many refusals a workflow keeps in its state (the history keeps every one). */
export const MAX_REFUSED_MESSAGES = 50;

/** Appends a refusal, keeping only the newest MAX_REFUSED_MESSAGES. Pure: workflows call it in their handlers. */
export function recordRefusal(list: RefusedMessage[], refusal: RefusedMessage): RefusedMessage[] {
  const next = [...list, refusal];
  return next.length > MAX_REFUSED_MESSAGES ? next.slice(next.length - MAX_REFUSED_MESSAGES) : next;
}

/**
 * The memo key under which every workflow keeps its `RefusedMessage[]` (`upsertMemo` on each refusal), so the
 * refusals are in the history (WorkflowPropertiesModified) where evidence export reads them, and in visibility
 * where the CLI reads them without a query. The identity workflow also keeps them in its record's memo.
 */
export const REFUSED_MEMO_KEY = 'refusedMessages';
