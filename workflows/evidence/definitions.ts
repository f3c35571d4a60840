// The evidence archive: a Temporal Schedule starts evidenceArchiveWorkflow every interval; it has the export
// written to S3 by an activity. Shared by the workflow, the activity, the CLI and tests.
export const EVIDENCE_ARCHIVE_WORKFLOW_TYPE = 'evidenceArchiveWorkflow';
export const EVIDENCE_ARCHIVE_SCHEDULE_ID = 'nhi-evidence-archive';

export interface ArchiveInput {
  bucket: string;
  /** Key prefix, "evidence/" by default. */
  prefix: string;
}

export interface ArchiveRequest extends ArchiveInput {
  /** The scheduled run's workflow id: a retried activity recognises its own export. */
  runKey: string;
  /** End of the window (workflow time, so a retry exports the same window). */
  until: string;
}
