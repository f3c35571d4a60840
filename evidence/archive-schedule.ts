// The Temporal Schedule that archives evidence: one schedule per namespace, created or updated in place.
import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import {
  type ArchiveInput,
  EVIDENCE_ARCHIVE_SCHEDULE_ID,
  EVIDENCE_ARCHIVE_WORKFLOW_TYPE,
} from '../workflows/evidence/definitions.ts';

export interface ArchiveSchedule extends ArchiveInput {
  /** e.g. "24h" */
  every: string;
  taskQueue: string;
  scheduleId?: string;
}

/** Creates the schedule, or updates its interval, bucket and task queue; returns whether it was created. */
export async function ensureArchiveSchedule(
  client: Client,
  s: ArchiveSchedule,
): Promise<'created' | 'updated'> {
  const scheduleId = s.scheduleId ?? EVIDENCE_ARCHIVE_SCHEDULE_ID;
  const action = {
    type: 'startWorkflow' as const,
    workflowType: EVIDENCE_ARCHIVE_WORKFLOW_TYPE,
    taskQueue: s.taskQueue,
    args: [{ bucket: s.bucket, prefix: s.prefix }],
    workflowId: `${scheduleId}-run`,
  };
  const spec = { intervals: [{ every: s.every as `${number}${'s' | 'm' | 'h' | 'd'}` }] };
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action,
      // One archive at a time: the chain is a sequence, and a slow run must not be overtaken.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    });
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action }));
    return 'updated';
  }
}

export async function removeArchiveSchedule(client: Client, scheduleId = EVIDENCE_ARCHIVE_SCHEDULE_ID) {
  await client.schedule.getHandle(scheduleId).delete();
}
