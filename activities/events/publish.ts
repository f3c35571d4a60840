// Publishes enforcement events to Kafka, keyed by identity so one identity's events stay in order.
import { Context } from '@temporalio/activity';
import type { Producer } from 'kafkajs';
import { topics } from '../../infra/endpoints.ts';
import { EnforcementEvent } from '../../schemas/enforcement-event.ts';

export type EventInput = Omit<EnforcementEvent, 'eventId' | 'time' | 'workflowId' | 'findingIds' | 'detail'> &
  Partial<Pick<EnforcementEvent, 'findingIds' | 'detail'>>;

export function createEventPublisher(producer: Producer, topic: string = topics.events) {
  return async function publishEnforcementEvent(input: EventInput): Promise<string> {
    const info = Context.current().info;
    const execution = info.workflowExecution ?? {
      workflowId: 'standalone',
      runId: 'none',
    };
    const event = EnforcementEvent.parse({
      ...input,
      // Same activity, same id: a retried publish is recognisably the same event.
      eventId: `${execution.runId}/${info.activityId}`,
      time: new Date().toISOString(),
      workflowId: execution.workflowId,
    });
    await producer.send({
      topic,
      messages: [
        { key: event.identityKey, value: JSON.stringify(event), headers: { 'event-type': event.type } },
      ],
    });
    return event.eventId;
  };
}
