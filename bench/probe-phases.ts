// Where a latency probe's time went, read from the identity workflow's history (event times are not encrypted):
// Kafka and the consumer until Temporal started the workflow, the wait for its first workflow task (the task
// queue), the assessment until the remediation was started, and the remediation until the key was Inactive.
import type { Client } from '@temporalio/client';
import { identityWorkflowId } from '../workflows/identity/definitions.ts';

export interface ProbePhases {
  /** Produce → identity workflow started: Kafka, decode, coalescing, the signal-with-start. */
  toWorkflowMs: number;
  /** Workflow started → its first workflow task picked up by a worker: the task queue. */
  queuedMs: number;
  /** First workflow task → remediation started: the assessment and the decision. */
  assessMs: number;
  /** Remediation started → key Inactive in IAM: brakes, the act, and the probe's own polling (≤ 50 ms). */
  actMs: number;
}

const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  t ? Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : undefined;

/** The phases through the first of `identities`' workflows to start the remediation; undefined if none did. */
export async function probePhases(
  client: Client,
  identities: string[],
  producedAt: number,
  inactiveAt: number,
): Promise<ProbePhases | undefined> {
  let best: ProbePhases | undefined;
  let bestChild = Number.POSITIVE_INFINITY;
  for (const key of identities) {
    const history = await client.workflow
      .getHandle(identityWorkflowId(key))
      .fetchHistory()
      .catch(() => undefined);
    const events = history?.events ?? [];
    const started = ms(events[0]?.eventTime);
    const firstTask = ms(events.find((e) => e.workflowTaskStartedEventAttributes)?.eventTime);
    const child = ms(events.find((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)?.eventTime);
    if (started === undefined || firstTask === undefined || child === undefined || child >= bestChild)
      continue;
    bestChild = child;
    best = {
      toWorkflowMs: started - producedAt,
      queuedMs: firstTask - started,
      assessMs: child - firstTask,
      actMs: inactiveAt - child,
    };
  }
  return best;
}

/** Each phase's median over the probes (undefined when there were none). */
export function medianPhases(all: ProbePhases[]): ProbePhases | undefined {
  if (all.length === 0) return undefined;
  const median = (k: keyof ProbePhases) => {
    const sorted = all.map((p) => p[k]).sort((a, b) => a - b);
    return sorted[Math.floor((sorted.length - 1) / 2)]!;
  };
  return {
    toWorkflowMs: median('toWorkflowMs'),
    queuedMs: median('queuedMs'),
    assessMs: median('assessMs'),
    actMs: median('actMs'),
  };
}
