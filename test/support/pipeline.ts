// A whole pipeline (consumers + worker, as `nhi run` starts it) on fresh test topics: one findings topic with its
// DLQ, events and digest topics (or several findings topics), and a Temporal client to read what reached the identities.
import type { Client } from '@temporalio/client';
import { temporalClient } from '../../runtime/connections.ts';
import { type PipelineOptions, type RunningPipeline, startPipeline } from '../../runtime/pipeline.ts';
import { createTestTopics, deleteTestTopics } from './kafka.ts';

export interface TestPipeline {
  topics: Record<string, string>;
  pipeline: RunningPipeline;
  client: Client;
  /** Stops the pipeline, runs `cleanUp` while the client is still open, closes it and deletes the topics. */
  stop(cleanUp?: (client: Client) => Promise<void>): Promise<void>;
}

type Finding = 'siem' | 'cspm' | 'scanner';

export async function pipelineOnTestTopics(
  prefix: string,
  findings: Finding | Finding[],
  options: Omit<PipelineOptions, 'topics' | 'dlqTopic' | 'eventsTopic' | 'digestTopic'>,
): Promise<TestPipeline> {
  const read = Array.isArray(findings) ? findings : [findings];
  const topics = await createTestTopics(prefix, [...read, 'dlq', 'events', 'digest']);
  const pipeline = await startPipeline({
    ...options,
    topics: read.map((f) => topics[f]!),
    dlqTopic: topics.dlq,
    eventsTopic: topics.events,
    digestTopic: topics.digest,
  });
  const client = await temporalClient();
  return {
    topics,
    pipeline,
    client,
    async stop(cleanUp) {
      await pipeline.stop();
      await cleanUp?.(client);
      await client.connection.close();
      await deleteTestTopics(topics);
    },
  };
}
