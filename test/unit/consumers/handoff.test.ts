// handOff: identities in parallel, one identity's chunks strictly in order, failures returned with what is left.

import { WorkflowNotFoundError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { handOff, type IdentityWork, RunningWorkflows, temporalSignal } from '../../../consumers/handoff.ts';
import type { Finding } from '../../../schemas/finding.ts';
import type { IdentityRef } from '../../../schemas/identity.ts';
import { ENFORCEMENT_PRIORITY } from '../../../workflows/priority.ts';

const identity = (key: string): IdentityRef => ({ key, type: 'principal', provider: 'generic', aliases: [] });
const f = (id: string) => ({ id }) as unknown as Finding;

describe('handOff', () => {
  it('sends every chunk, each identity in order, identities concurrently', async () => {
    const seen: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const work: IdentityWork[] = ['a', 'b', 'c'].map((k) => ({
      identity: identity(k),
      chunks: [[f(`${k}1`)], [f(`${k}2`), f(`${k}3`)]],
    }));
    const result = await handOff(async (_i, chunk) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      seen.push(...chunk.map((x) => x.id));
      inFlight--;
    }, work);
    expect(result).toEqual({ failures: [], signals: 6, findings: 9 });
    for (const k of ['a', 'b', 'c']) {
      const mine = seen.filter((id) => id.startsWith(k));
      expect(mine).toEqual([`${k}1`, `${k}2`, `${k}3`]);
    }
    expect(maxInFlight).toBe(3);
  });

  it('a failure stops that identity only and returns the failed chunk and the rest', async () => {
    const work: IdentityWork[] = [
      { identity: identity('ok'), chunks: [[f('o1')], [f('o2')]] },
      { identity: identity('bad'), chunks: [[f('b1')], [f('b2')], [f('b3')]] },
    ];
    const boom = new Error('boom');
    const result = await handOff(async (i, chunk) => {
      if (i.key === 'bad' && chunk[0]!.id === 'b2') throw boom;
    }, work);
    expect(result.signals).toBe(3);
    expect(result.failures).toEqual([
      { identity: identity('bad'), remaining: [[f('b2')], [f('b3')]], error: boom },
    ]);
  });

  it('nothing to do', async () => {
    expect(await handOff(async () => {}, [])).toEqual({ failures: [], signals: 0, findings: 0 });
  });
});

describe('temporalSignal', () => {
  /** A client that records which call carried each delivery; `closed` workflows answer a plain signal with not found. */
  function fakeClient(closed = new Set<string>()) {
    const calls: string[] = [];
    const client = {
      workflow: {
        signalWithStart: async (_type: string, o: { workflowId: string }) => {
          calls.push(`start ${o.workflowId}`);
          closed.delete(o.workflowId);
        },
        getHandle: (workflowId: string) => ({
          signal: async () => {
            if (closed.has(workflowId)) throw new WorkflowNotFoundError('closed', workflowId, undefined);
            calls.push(`signal ${workflowId}`);
          },
        }),
      },
    };
    return { client: client as never, calls };
  }

  it("starts an identity's workflow with its first signal, then signals the running workflow", async () => {
    const { client, calls } = fakeClient();
    const send = temporalSignal(client, 'q');
    await send(identity('a'), [f('1')]);
    await send(identity('a'), [f('2')]);
    await send(identity('b'), [f('3')]);
    expect(calls.map((c) => c.split(' ')[0])).toEqual(['start', 'signal', 'start']);
  });

  it('a workflow that closed meanwhile is started again: the plain signal never loses a delivery', async () => {
    const closed = new Set<string>();
    const { client, calls } = fakeClient(closed);
    const send = temporalSignal(client, 'q');
    await send(identity('a'), [f('1')]);
    closed.add(calls[0]!.split(' ')[1]!);
    await send(identity('a'), [f('2')]);
    expect(calls.map((c) => c.split(' ')[0])).toEqual(['start', 'start']);
    await send(identity('a'), [f('3')]);
    expect(calls.map((c) => c.split(' ')[0])).toEqual(['start', 'start', 'signal']);
  });

  it("an urgent finding (a leaked credential) starts its identity's workflow with the enforcement priority", async () => {
    const starts: { workflowId: string; priority?: unknown }[] = [];
    const client = {
      workflow: {
        signalWithStart: async (_type: string, o: { workflowId: string; priority?: unknown }) => {
          starts.push({ workflowId: o.workflowId, priority: o.priority });
        },
      },
    } as never;
    const send = temporalSignal(client, 'q');
    const leaked = { id: 'l', kind: 'exposed-secret', status: 'open' } as unknown as Finding;
    const stale = { id: 's', kind: 'exposed-secret', status: 'resolved' } as unknown as Finding;
    await send(identity('urgent'), [f('1'), leaked]);
    await send(identity('bulk'), [f('2'), stale]);
    expect(starts).toEqual([
      { workflowId: 'identity/urgent', priority: ENFORCEMENT_PRIORITY },
      { workflowId: 'identity/bulk', priority: undefined },
    ]);
    expect(ENFORCEMENT_PRIORITY.priorityKey).toBeLessThan(3);
  });

  it('remembers at most its cap of running workflows', () => {
    const running = new RunningWorkflows(2);
    for (const id of ['a', 'b', 'c']) running.add(id);
    expect(running.size).toBe(2);
    expect(running.has('a')).toBe(false);
    expect(running.has('c')).toBe(true);
  });
});
