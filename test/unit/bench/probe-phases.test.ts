// The latency probe's phases (bench/probe-phases.ts), read from event times: the identity workflow that started
// the remediation first is the one measured, and each phase is the gap between its events.
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { medianPhases, probePhases } from '../../../bench/probe-phases.ts';
import { identityWorkflowId } from '../../../workflows/identity/definitions.ts';

const at = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });

/** A client whose histories are given per workflow id (only event times and kinds matter here). */
function clientWith(histories: Record<string, Array<Record<string, unknown>>>): Client {
  return {
    workflow: {
      getHandle: (id: string) => ({
        fetchHistory: async () => {
          if (!histories[id]) throw new Error('not found');
          return { events: histories[id] };
        },
      }),
    },
  } as unknown as Client;
}

describe('probe phases', () => {
  it('measures through the workflow that started the remediation first', async () => {
    const client = clientWith({
      [identityWorkflowId('user')]: [
        { eventTime: at(10_100) },
        { eventTime: at(10_150), workflowTaskStartedEventAttributes: {} },
        { eventTime: at(10_900), startChildWorkflowExecutionInitiatedEventAttributes: {} },
      ],
      [identityWorkflowId('key')]: [
        { eventTime: at(10_050) },
        { eventTime: at(10_300), workflowTaskStartedEventAttributes: {} },
        { eventTime: at(10_700), startChildWorkflowExecutionInitiatedEventAttributes: {} },
      ],
    });
    expect(await probePhases(client, ['user', 'key', 'gone'], 10_000, 11_000)).toEqual({
      toWorkflowMs: 50,
      queuedMs: 250,
      assessMs: 400,
      actMs: 300,
    });
  });

  it('says nothing when no workflow started a remediation', async () => {
    const client = clientWith({ [identityWorkflowId('user')]: [{ eventTime: at(1) }] });
    expect(await probePhases(client, ['user'], 0, 5)).toBeUndefined();
  });

  it('takes each phase’s median on its own', () => {
    const p = (n: number) => ({ toWorkflowMs: n, queuedMs: 10 * n, assessMs: 100 - n, actMs: 7 });
    expect(medianPhases([p(1), p(3), p(2)])).toEqual({
      toWorkflowMs: 2,
      queuedMs: 20,
      assessMs: 98,
      actMs: 7,
    });
    expect(medianPhases([])).toBeUndefined();
  });
});
