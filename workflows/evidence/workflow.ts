// One scheduled evidence archive run: export what closed since the last archive, chained, to S3.
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';
import type { ArchiveInput } from './definitions.ts';

const { archiveEvidence } = proxyActivities<Activities>({
  // A large window can take a while to read and upload; progress is not heartbeated, so be generous.
  startToCloseTimeout: '30 minutes',
  retry: { initialInterval: '10 seconds', maximumInterval: '5 minutes', maximumAttempts: 10 },
});

export async function evidenceArchiveWorkflow(input: ArchiveInput) {
  return archiveEvidence({ ...input, runKey: workflowInfo().workflowId, until: new Date().toISOString() });
}
