// Refusals by the enforcement control and the team-action registry as evidence cases (evidence/refused-message-cases.ts):
// one case per refusal, read from the memo values in the history (start event, then each WorkflowPropertiesModified),
// every refusal once even after the state kept only the newest, across continue-as-new; selected by --since/--until
// and --action by each refusal's own time and message, never by --identity.
import { describe, expect, it } from 'vitest';
import { CASE_KINDS, caseMatches } from '../../../evidence/case-kinds.ts';
import type { DecodedEvent } from '../../../evidence/history-json.ts';
import { everyRefusalIn } from '../../../evidence/refused-message-cases.ts';
import type { RunEvents } from '../../../evidence/summary.ts';
import {
  MAX_REFUSED_MESSAGES,
  type RefusedMessage,
  recordRefusal,
} from '../../../schemas/refused-message.ts';

const refusal = (n: number, message = 'resume', claimedBy?: string): RefusedMessage => ({
  at: `2026-12-01T10:${String(n).padStart(2, '0')}:00.000Z`,
  message,
  ...(claimedBy ? { claimedBy } : {}),
  reason: `reason ${n}`,
});

let id = 0;
const started = (queue: string, memo?: RefusedMessage[]): DecodedEvent => ({
  id: ++id,
  time: '2026-12-01T09:00:00.000Z',
  type: 'WorkflowExecutionStarted',
  attrs: { taskQueue: { name: queue }, ...(memo ? { memo: { fields: { refusedMessages: memo } } } : {}) },
});
const upserted = (list: RefusedMessage[]): DecodedEvent => ({
  id: ++id,
  time: list.at(-1)!.at,
  type: 'WorkflowPropertiesModified',
  attrs: { upsertedMemo: { fields: { refusedMessages: list } } },
});

/** A run whose memo is upserted after each refusal, as workflows/service-messages.ts refuseMessage does. */
function runRefusing(runId: string, queue: string, carried: RefusedMessage[], more: RefusedMessage[]) {
  let list = carried;
  const events = [started(queue, carried.length ? carried : undefined)];
  for (const r of more) {
    list = recordRefusal(list, r);
    events.push(upserted(list));
  }
  return { run: { runId, events } satisfies RunEvents, list };
}

describe('refusals of the enforcement control and the registry as evidence cases', () => {
  it('each refusal is one case: who claimed what, why refused, which workflow refused it', () => {
    const { run } = runRefusing(
      'run-1',
      'q1',
      [],
      [
        refusal(1, 'resume'),
        refusal(2, 'resume', 'mallory@example.com'),
        refusal(3, 'cancel', 'a Temporal client'),
      ],
    );
    const cases = CASE_KINDS['control-refusal'].derive([run]);
    expect(cases.map((c) => [c.id, c.workflowId, c.identity.key, c.action, c.status, c.openedAt])).toEqual([
      [
        'refusal-1@enforcement-control/q1',
        'enforcement-control/q1',
        'enforcement-control/q1',
        'resume',
        'refused',
        refusal(1).at,
      ],
      [
        'refusal-2@enforcement-control/q1',
        'enforcement-control/q1',
        'enforcement-control/q1',
        'resume',
        'refused',
        refusal(2).at,
      ],
      [
        'refusal-3@enforcement-control/q1',
        'enforcement-control/q1',
        'enforcement-control/q1',
        'cancel',
        'refused',
        refusal(3).at,
      ],
    ]);
    expect(cases[1]).toMatchObject({
      kind: 'control-refusal',
      refusal: refusal(2, 'resume', 'mallory@example.com'),
      lines: [
        `Refused by the enforcement control (enforcement-control/q1) at ${refusal(2).at}: resume, claimed by mallory@example.com.`,
        'Why refused: reason 2.',
      ],
      decisions: [{ kind: 'resume', by: 'mallory@example.com', outcome: 'refused', failure: 'reason 2' }],
      enforcement: { refusedBy: ['the enforcement control'], policyDecision: 'refused: reason 2' },
    });
    expect(cases[0]!.lines[0]).toContain('claimed by nobody named');
    const registry = CASE_KINDS['registry-refusal'].derive([run]);
    expect(registry[0]).toMatchObject({
      kind: 'registry-refusal',
      workflowId: 'action-registry/q1',
      lines: [
        expect.stringMatching(/^Refused by the team-action registry \(action-registry\/q1\)/),
        expect.any(String),
      ],
    });
  });

  it('every refusal once, oldest first: beyond what the state keeps, and across continue-as-new', () => {
    const first = Array.from({ length: MAX_REFUSED_MESSAGES + 5 }, (_, i) =>
      refusal(i % 60, 'pause', `p${i}`),
    );
    const a = runRefusing('run-1', 'q', [], first);
    expect(a.list).toHaveLength(MAX_REFUSED_MESSAGES);
    // The next run starts with the list its predecessor kept, then refuses two more, one the same as before.
    const b = runRefusing('run-2', 'q', a.list, [refusal(1, 'resume'), refusal(1, 'resume')]);
    const all = everyRefusalIn([a.run, b.run]);
    expect(all).toEqual([...first, refusal(1, 'resume'), refusal(1, 'resume')]);
    expect(CASE_KINDS['control-refusal'].derive([a.run, b.run]).at(-1)!.runIds).toEqual(['run-1', 'run-2']);
  });

  it('a workflow that refused nothing holds no case; one with no start event cannot be derived', () => {
    expect(CASE_KINDS['registry-refusal'].derive([{ runId: 'r', events: [started('q')] }])).toEqual([]);
    expect(() => CASE_KINDS['registry-refusal'].derive([{ runId: 'r', events: [] }])).toThrow(
      /no WorkflowExecutionStarted/,
    );
  });

  it('selected by when each refusal arrived and by its message, never by an identity', () => {
    const { run } = runRefusing('run-1', 'q', [], [refusal(1), refusal(5, 'register')]);
    const [early, late] = CASE_KINDS['registry-refusal'].derive([run]);
    const since = { since: refusal(3).at };
    expect([caseMatches(early!, since), caseMatches(late!, since)]).toEqual([false, true]);
    expect(caseMatches(late!, { window: 'closed', until: refusal(9).at })).toBe(true);
    expect(caseMatches(late!, { action: 'register' })).toBe(true);
    expect(caseMatches(early!, { action: 'register' })).toBe(false);
    expect(caseMatches(late!, { identity: 'arn:aws:iam::123456789012:user/x' })).toBe(false);
  });
});
