// How long the local Temporal keeps a closed workflow's history: NHI_TEMPORAL_RETENTION_DAYS (default 7), set on
// the default namespace at every `nhi stack up`. After that the history is gone from Temporal; evidence archives
// (`nhi evidence schedule`) keep it in S3.
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';

export const DEFAULT_RETENTION_DAYS = 7;

export function retentionDays(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.NHI_TEMPORAL_RETENTION_DAYS;
  if (text === undefined || text === '') return DEFAULT_RETENTION_DAYS;
  const days = Number(text);
  if (!Number.isInteger(days) || days < 1 || days > 3650)
    throw new Error(
      `NHI_TEMPORAL_RETENTION_DAYS must be a whole number of days from 1 to 3650, got '${text}'`,
    );
  return days;
}

/** Sets the namespace's retention when it differs; returns the retention in force (days). */
export async function applyRetention(
  port: number,
  log: (line: string) => void,
  namespace = 'default',
): Promise<number> {
  const days = retentionDays();
  const connection = await Connection.connect({ address: `127.0.0.1:${port}`, connectTimeout: 5_000 });
  try {
    const described = await connection.workflowService.describeNamespace({ namespace });
    const current = Number(described.config?.workflowExecutionRetentionTtl?.seconds ?? 0);
    if (current === days * 86_400) return days;
    await connection.workflowService.updateNamespace({
      namespace,
      config: { workflowExecutionRetentionTtl: msToTs(days * 86_400_000) },
    });
    log(`temporal: namespace ${namespace} keeps closed workflows ${days} day(s) (was ${current / 86_400})`);
    return days;
  } finally {
    await connection.close();
  }
}
