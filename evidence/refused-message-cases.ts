// The messages the deployment's long-lived workflows refused (forged or bare resumes and pauses at the enforcement
// control, forged registrations and removals at the team-action registry, bare cancels at either), as cases of
// their own: one case per refusal, so --since/--until select each by when it arrived, however long the workflow
// has been running. Read from the history's memo values under REFUSED_MEMO_KEY (the start event's memo, then each
// WorkflowPropertiesModified): each value is the newest MAX_REFUSED_MESSAGES, so what a value adds to the one
// before is the new refusals, and the history yields every one even after the state dropped the oldest.
// A case of the generic evidence framework (case-kinds.ts): the report and verify read it as any CaseSummary. Pure.
import { REFUSED_MEMO_KEY, type RefusedMessage } from '../schemas/refused-message.ts';
import { CONTROL_WORKFLOW_TYPE, controlWorkflowId } from '../workflows/control/definitions.ts';
import { REGISTRY_WORKFLOW_TYPE, registryWorkflowId } from '../workflows/registry/definitions.ts';
import { blankCaseParts, type CaseSummary } from './case-summary.ts';
import { asRefusals, memoWrittenBy, obj, str } from './refusals.ts';
import type { RunEvents } from './summary.ts';

export type RefusalCaseKind = 'control-refusal' | 'registry-refusal';

export interface RefusedMessageSummary extends CaseSummary {
  kind: RefusalCaseKind;
  /** What was refused: who claimed to send what, when, and why it was refused. */
  refusal: RefusedMessage;
  /** Which workflow refused it, in words. */
  refusedAt: string;
}

/** What each kind is read from: its workflow type, its id (from the task queue it runs on), its name in words. */
const REFUSERS: Record<
  RefusalCaseKind,
  { workflowType: string; id: (queue: string) => string; name: string }
> = {
  'control-refusal': {
    workflowType: CONTROL_WORKFLOW_TYPE,
    id: controlWorkflowId,
    name: 'the enforcement control',
  },
  'registry-refusal': {
    workflowType: REGISTRY_WORKFLOW_TYPE,
    id: registryWorkflowId,
    name: 'the team-action registry',
  },
};

export const refusalWorkflowType = (kind: RefusalCaseKind): string => REFUSERS[kind].workflowType;

const same = (a: RefusedMessage, b: RefusedMessage) =>
  a.at === b.at && a.message === b.message && a.claimedBy === b.claimedBy && a.reason === b.reason;

/** The refusals `next` adds to `prev`: after the longest tail of `prev` that `next` begins with. */
function added(prev: RefusedMessage[], next: RefusedMessage[]): RefusedMessage[] {
  for (let k = Math.min(prev.length, next.length); k > 0; k--) {
    const tail = prev.slice(prev.length - k);
    if (tail.every((r, i) => same(r, next[i]!))) return next.slice(k);
  }
  return next;
}

/** Every refusal a run chain's memo recorded, oldest first (each run starts with the memo or state it carried). */
export function everyRefusalIn(runs: readonly RunEvents[]): RefusedMessage[] {
  const all: RefusedMessage[] = [];
  let latest: RefusedMessage[] = [];
  for (const run of runs)
    for (const e of run.events) {
      const memo = memoWrittenBy(e);
      const found = memo && asRefusals(obj(memo.fields)[REFUSED_MEMO_KEY]);
      if (!found) continue;
      all.push(...added(latest, found));
      latest = found;
    }
  return all;
}

/** One case per refusal a control's or registry's run chain recorded: registered in case-kinds.ts. */
export function deriveRefusalCases(kind: RefusalCaseKind, runs: RunEvents[]): RefusedMessageSummary[] {
  const started = runs[0]?.events.find((e) => e.type === 'WorkflowExecutionStarted');
  if (!started) throw new Error('history has no WorkflowExecutionStarted event');
  const queue = str(obj(started.attrs.taskQueue).name);
  const refuser = REFUSERS[kind];
  // The workflow's id is not in its history; the deployment names it after the task queue it runs on.
  const workflowId = queue ? refuser.id(queue) : '?';
  return everyRefusalIn(runs).map((refusal, i) => {
    const by = refusal.claimedBy ?? 'nobody named';
    const what = `${refusal.message} claimed by ${by}: refused: ${refusal.reason}`;
    const summary: RefusedMessageSummary = {
      kind,
      id: `refusal-${i + 1}@${workflowId}`,
      workflowId,
      runIds: runs.map((r) => r.runId),
      status: 'refused',
      // Not about an identity: the workflow that refused it stands in, so --identity never selects it.
      identity: { key: workflowId },
      action: refusal.message,
      openedAt: refusal.at,
      endedAt: refusal.at,
      refusal,
      refusedAt: refuser.name,
      decisions: [],
      ...blankCaseParts(`refused ${refusal.message}`, workflowId),
    };
    summary.lines = [
      `Refused by ${refuser.name} (${workflowId}) at ${refusal.at}: ${refusal.message}, claimed by ${by}.`,
      `Why refused: ${refusal.reason}.`,
    ];
    summary.timeline = [{ at: refusal.at, what }];
    summary.decisions = [
      {
        kind: refusal.message,
        at: refusal.at,
        ...(refusal.claimedBy ? { by: refusal.claimedBy } : {}),
        outcome: 'refused',
        failure: refusal.reason,
      },
    ];
    summary.enforcement.refusedBy = [refuser.name];
    summary.enforcement.policyDecision = `refused: ${refusal.reason}`;
    return summary;
  });
}
