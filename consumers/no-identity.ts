// A finding that names no identity (a SIEM incident without entities, an alert on a workspace) has no workflow to
// go to. It is not dropped in silence: the consumer counts it, logs it and publishes `ingest.no-identity` on the
// events topic, so the SIEM sees what came in and went nowhere. The event carries ids and positions only, never the
// tool's free text (a title or description may quote a secret).
import type { Message } from 'kafkajs';
import type { EnforcementEvent } from '../schemas/enforcement-event.ts';
import type { Finding } from '../schemas/finding.ts';

export const NO_IDENTITY_EVENT = 'ingest.no-identity';

export interface MessagePosition {
  topic: string;
  partition: number;
  offset: string;
}

/** Findings that name at least one identity, and those that name none. */
export function splitByIdentity(findings: Finding[]): { named: Finding[]; unnamed: Finding[] } {
  const named: Finding[] = [];
  const unnamed: Finding[] = [];
  for (const f of findings) (f.identities.length ? named : unnamed).push(f);
  return { named, unnamed };
}

/** The event for one finding that named no identity; its id is stable when the message is read again. */
export function noIdentityEvent(finding: Finding, from: MessagePosition, now = new Date()): EnforcementEvent {
  return {
    eventId: `${from.topic}/${from.partition}/${from.offset}/${finding.id}`,
    type: NO_IDENTITY_EVENT,
    time: now.toISOString(),
    identityKey: '',
    workflowId: '',
    findingIds: [finding.id],
    detail: {
      reason:
        'the finding names no identity (no principal, key or secret to key it on): no workflow holds it',
      format: finding.source.format,
      kind: finding.kind,
      severity: finding.severity.label,
      resources: finding.resources.length,
      source: from,
    },
  };
}

export function noIdentityMessage(event: EnforcementEvent): Message {
  return { key: null, value: JSON.stringify(event), headers: { 'event-type': event.type } };
}
