// What the evidence shows besides decisions: the messages a workflow refused (forged or unverifiable signals and
// updates: who tried what, why refused) and the findings a rescan closed. Refusals are read from the memo every
// workflow keeps under REFUSED_MEMO_KEY (the identity workflow also inside its record memo): the latest value in
// the history (the start event's memo, then each WorkflowPropertiesModified), so verify derives it again from the
// same events. Pure.
import type { RefusedMessage } from '../schemas/refused-message.ts';
import { REFUSED_MEMO_KEY } from '../schemas/refused-message.ts';
import type { DecodedEvent } from './history-json.ts';

type RunEvents = { events: readonly DecodedEvent[] };

/** The identity workflow's record memo key (workflows/identity/definitions.ts IDENTITY_MEMO_KEY). */
const IDENTITY_RECORD_MEMO_KEY = 'nhi';

export interface SummaryRefusal extends RefusedMessage {
  /** Which workflow refused it: the remediation, its identity, or its follow-up. */
  where: 'remediation' | 'identity' | 'follow-up';
}

export interface RescanClosureSeen {
  /** When the identity workflow received the closing report. */
  at: string;
  checkKey?: string;
  scope: string;
  reason?: string;
}

type Obj = Record<string, unknown>;
export const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
export const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** A memo's refused messages as recorded (fields read defensively: a history is data, not our type). */
export function asRefusals(v: unknown): RefusedMessage[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.map(obj).map((r) => ({
    at: str(r.at) ?? '?',
    message: str(r.message) ?? '?',
    ...(str(r.claimedBy) !== undefined ? { claimedBy: str(r.claimedBy)! } : {}),
    reason: str(r.reason) ?? '?',
  }));
}

/** The refusals a memo's fields hold: the shared key first, else the identity record's `refusedMessages`. */
function fromFields(fields: Obj): RefusedMessage[] | undefined {
  return (
    asRefusals(fields[REFUSED_MEMO_KEY]) ?? asRefusals(obj(fields[IDENTITY_RECORD_MEMO_KEY]).refusedMessages)
  );
}

/** The memo an event writes: a run's start carries it, each WorkflowPropertiesModified upserts it. */
export const memoWrittenBy = (e: DecodedEvent): Obj | undefined =>
  e.type === 'WorkflowExecutionStarted'
    ? obj(e.attrs.memo)
    : e.type === 'WorkflowPropertiesModified'
      ? obj(e.attrs.upsertedMemo)
      : undefined;

/** The latest refusals a run chain's memo recorded (each run starts with the memo its predecessor carried). */
export function refusalsIn(runs: readonly RunEvents[]): RefusedMessage[] {
  let latest: RefusedMessage[] = [];
  for (const run of runs)
    for (const e of run.events) {
      const memo = memoWrittenBy(e);
      const found = memo && fromFields(obj(memo.fields));
      if (found) latest = found;
    }
  return latest;
}

/** Every refusal of a remediation case, oldest first, each named by the workflow that refused it. */
export function caseRefusals(
  own: readonly RunEvents[],
  identity: readonly RunEvents[],
  followUp: readonly RunEvents[],
): SummaryRefusal[] {
  return [
    ...refusalsIn(own).map((r) => ({ ...r, where: 'remediation' as const })),
    ...refusalsIn(identity).map((r) => ({ ...r, where: 'identity' as const })),
    ...refusalsIn(followUp).map((r) => ({ ...r, where: 'follow-up' as const })),
  ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

/** The closing reports a rescan sent the identity (resolved findings carrying evidence.rescanScope). */
export function rescanClosuresIn(identityRuns: readonly RunEvents[]): RescanClosureSeen[] {
  const out: RescanClosureSeen[] = [];
  for (const run of identityRuns)
    for (const e of run.events) {
      if (e.type !== 'WorkflowExecutionSignaled') continue;
      for (const arg of Array.isArray(e.attrs.input) ? e.attrs.input : [])
        for (const f of (Array.isArray(obj(arg).findings) ? (obj(arg).findings as unknown[]) : []).map(obj)) {
          const scope = str(obj(f.evidence).rescanScope);
          if (f.status !== 'resolved' || !scope) continue;
          out.push({
            at: e.time,
            scope,
            ...(str(f.checkKey) ? { checkKey: str(f.checkKey) } : {}),
            ...(str(f.statusReason) ? { reason: str(f.statusReason) } : {}),
          });
        }
    }
  return out;
}

/** One line for a reviewer: who tried what, and why it was refused. */
export const refusalLine = (r: SummaryRefusal): string =>
  `${r.at} ${r.where}: ${r.message} claimed by ${r.claimedBy ?? 'nobody named'}: refused: ${r.reason}`;
