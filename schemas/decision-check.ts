// The one check every signed decision passes inside a workflow, whatever it decides: signed by a person the
// directory lists (looked up as an own property: `constructor` is nobody), with one of their keys, for this
// workflow, run and exact terms, of a kind this door takes, recently (its signed time within the policy's skew of
// the workflow's time), once (its nonce not seen before), and under the directory the policy pins. Pure and
// deterministic: workflows call it in their handlers, tests call it directly. One line per refusal.
import { canonicalPerson, type DirectorySnapshot } from './directory.ts';
import { type SignedDecision, verifyDecision } from './signed-decision.ts';

/** The patch id workflows check before applying time, nonce and pin checks (histories from before replay as they ran). */
export const SIGNED_DECISIONS_V2 = 'signed-decisions-v2';

/** When the policy says nothing: a decision signed more than this before or after the workflow's time is refused. */
export const DEFAULT_MAX_SKEW_SECONDS = 600;

/** What a decision is checked against besides its terms: the workflow's clock and the nonces it accepted. */
export interface Freshness {
  /** The workflow's time (Date.now() in a workflow), ms. */
  nowMs: number;
  /** Nonces accepted before by this workflow. */
  seenNonces: readonly string[];
}

export interface Expected {
  workflowId: string;
  runId: string;
  planHash: string;
  decisions: readonly string[];
  /** The refusal when the terms hash differs (default: "signed over different terms"). */
  termsRefusal?: string;
}

const isText = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

/** A person's entry, looked up as an own property only (never `constructor`, `__proto__`, `toString`). */
export function personEntry(
  directory: DirectorySnapshot | undefined,
  person: string,
): { groups: string[]; keys: string[] } | undefined {
  const people = directory?.people;
  if (!people || typeof people !== 'object' || !Object.hasOwn(people, person)) return undefined;
  const entry = people[person];
  return entry && Array.isArray(entry.keys) && Array.isArray(entry.groups) ? entry : undefined;
}

/** The person a decision names, canonical, for the record ('?' when it names none): a claim until verified. */
export const claimedPerson = (d: unknown): string => {
  const claim = d as { person?: unknown; by?: unknown } | null;
  const p = typeof claim?.person === 'string' ? claim.person : claim?.by;
  return typeof p === 'string' && p.trim() ? canonicalPerson(p).slice(0, 200) : '?';
};

export function unknownPersonRefusal(person: string, directory: DirectorySnapshot): string {
  const why = directory.note ? `: ${directory.note}` : '';
  return `unknown person ${person} (not in the directory ${directory.source}${why})`;
}

/** Why the directory itself cannot be used for decisions: its hash is not the one the policy pins. */
export function directoryRefusal(directory: DirectorySnapshot): string | undefined {
  if (directory.pin && directory.pin !== directory.hash)
    return `the directory ${directory.source} (${directory.hash ?? 'no hash'}) is not the one the policy pins (${directory.pin})`;
  return undefined;
}

/** Why the signed time or the nonce does not hold (version 2 required), or undefined. */
export function freshnessRefusal(
  d: Partial<SignedDecision>,
  directory: DirectorySnapshot,
  fresh: Freshness,
): string | undefined {
  if (d.version !== 2 || !isText(d.nonce))
    return 'an old-format decision (no nonce): sign it again with the current nhi';
  const signedAt = typeof d.time === 'string' ? Date.parse(d.time) : Number.NaN;
  if (!Number.isFinite(signedAt)) return `signed time '${String(d.time)}' is not a time`;
  const skewMs = (directory.maxSkewSeconds ?? DEFAULT_MAX_SKEW_SECONDS) * 1000;
  const off = signedAt - fresh.nowMs;
  if (Math.abs(off) > skewMs)
    return `signed at ${d.time}, ${Math.round(Math.abs(off) / 1000)}s ${off < 0 ? 'before' : 'after'} the workflow's time ${new Date(fresh.nowMs).toISOString()} (the policy allows ${skewMs / 1000}s: decisions.maxSkew)`;
  if (fresh.seenNonces.includes(d.nonce)) return 'replayed: this signed decision was already counted once';
  return undefined;
}

/**
 * Why this signed decision does not hold, or undefined. Without `fresh` (code paths recorded before version 2) the
 * time and nonce are not checked, as they were not then.
 */
export function signedDecisionRefusal(
  directory: DirectorySnapshot,
  input: unknown,
  expect: Expected,
  fresh?: Freshness,
): string | undefined {
  const d = input as Partial<SignedDecision> | null;
  if (typeof d !== 'object' || d === null || !isText(d.person) || !isText(d.signature))
    return 'the request must be signed by a person (--as WHO)';
  if (!expect.decisions.includes(String(d.decision)))
    return `'${String(d.decision)}' is not one of ${expect.decisions.join(', ')}`;
  if (!isText(d.reason)) return 'a reason is required (--reason R)';
  if (fresh) {
    const pinned = directoryRefusal(directory);
    if (pinned) return pinned;
  }
  const person = canonicalPerson(d.person);
  const entry = personEntry(directory, person);
  if (!entry) return unknownPersonRefusal(person, directory);
  if (!verifyDecision(d as SignedDecision, entry.keys))
    return `bad signature: no key of ${person} in the directory verifies this decision`;
  if (d.workflowId !== expect.workflowId || d.runId !== expect.runId)
    return `signed for another request (${String(d.workflowId)} ${String(d.runId)})`;
  if (d.planHash !== expect.planHash)
    return expect.termsRefusal ?? 'signed over different terms (action, duration or ticket)';
  return fresh ? freshnessRefusal(d, directory, fresh) : undefined;
}

/** Nonces a workflow remembers; older ones fall outside any skew long before this many arrive. */
export const MAX_NONCES = 500;

/** Adds an accepted decision's nonce (version 2), keeping the newest MAX_NONCES. */
export function rememberNonce(list: string[], d: unknown): void {
  const nonce = (d as { nonce?: unknown } | null)?.nonce;
  if (typeof nonce !== 'string') return;
  list.push(nonce);
  if (list.length > MAX_NONCES) list.splice(0, list.length - MAX_NONCES);
}
