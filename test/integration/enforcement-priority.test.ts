// Urgent enforcement goes ahead of bulk work in Temporal's task queue: a leaked credential starts its identity's
// workflow with the enforcement priority, and raises a running one to it before the signal (real Temporal; no
// worker needed, the priority is the server's record of the execution).
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporalSignal } from '../../consumers/handoff.ts';
import { temporalClient } from '../../runtime/connections.ts';
import type { Finding } from '../../schemas/finding.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import { identityWorkflowId } from '../../workflows/identity/definitions.ts';
import { ENFORCEMENT_PRIORITY } from '../../workflows/priority.ts';

const taskQueue = `priority-${randomUUID().slice(0, 8)}`;
const identity = (key: string): IdentityRef => ({ key, type: 'principal', provider: 'generic', aliases: [] });
const finding = (id: string, kind: string) => ({ id, kind, status: 'open' }) as unknown as Finding;
let client: Client;
const started: string[] = [];

beforeAll(async () => {
  client = await temporalClient();
});

afterAll(async () => {
  for (const id of started)
    await client.workflow
      .getHandle(id)
      .terminate('test over')
      .catch(() => {});
  await client?.connection.close();
});

const priorityOf = async (key: string) => {
  const id = identityWorkflowId(key);
  started.push(id);
  return (await client.workflow.getHandle(id).describe()).priority?.priorityKey;
};

describe('enforcement priority', () => {
  it('a leaked key starts its workflow with the priority; bulk work keeps the default until one arrives', async () => {
    const send = temporalSignal(client, taskQueue);
    const leaked = `ci:leaked:${randomUUID()}`;
    const bulk = `ci:bulk:${randomUUID()}`;
    await send(identity(leaked), [finding('l1', 'exposed-secret')]);
    expect(await priorityOf(leaked)).toBe(ENFORCEMENT_PRIORITY.priorityKey);

    await send(identity(bulk), [finding('b1', 'misconfiguration')]);
    expect(await priorityOf(bulk)).not.toBe(ENFORCEMENT_PRIORITY.priorityKey);
    // The running workflow (a plain signal from now on) is raised when a compromise indicator arrives.
    await send(identity(bulk), [finding('b2', 'compromise-indicator')]);
    expect(await priorityOf(bulk)).toBe(ENFORCEMENT_PRIORITY.priorityKey);
  });
});
