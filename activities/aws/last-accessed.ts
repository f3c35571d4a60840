// What IAM itself says a principal used: service-last-accessed data (GenerateServiceLastAccessedDetails at action
// level, then GetServiceLastAccessedDetails). Action-level for the services IAM tracks per action (`s3:GetObject`),
// else the whole service (`ec2:*`). Not every endpoint has it (the local emulator does not): then undefined, and
// scope-down plans from the CloudTrail activity the identity's record holds alone.
import {
  GenerateServiceLastAccessedDetailsCommand,
  GetServiceLastAccessedDetailsCommand,
  type GetServiceLastAccessedDetailsCommandOutput,
  type IAMClient,
} from '@aws-sdk/client-iam';

export interface LastAccessed {
  /** `service:Action`, or `service:*` where IAM tracks only the service. */
  actions: string[];
}

export interface LastAccessedOptions {
  pollMs?: number;
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function lastAccessedActions(
  iam: Pick<IAMClient, 'send'>,
  principalArn: string,
  opts: LastAccessedOptions = {},
): Promise<LastAccessed | undefined> {
  const sleep = opts.sleep ?? wait;
  let jobId: string | undefined;
  try {
    jobId = (
      await iam.send(
        new GenerateServiceLastAccessedDetailsCommand({ Arn: principalArn, Granularity: 'ACTION_LEVEL' }),
      )
    ).JobId;
  } catch {
    return undefined; // not offered here (emulator) or not allowed: plan from recorded activity alone
  }
  if (!jobId) return undefined;
  const actions = new Set<string>();
  const deadline = Date.now() + (opts.maxWaitMs ?? 30_000);
  let Marker: string | undefined;
  for (;;) {
    const page: GetServiceLastAccessedDetailsCommandOutput = await iam.send(
      new GetServiceLastAccessedDetailsCommand({ JobId: jobId, Marker }),
    );
    if (page.JobStatus === 'FAILED') return undefined;
    if (page.JobStatus === 'IN_PROGRESS') {
      if (Date.now() > deadline) return undefined;
      await sleep(opts.pollMs ?? 1_000);
      continue;
    }
    for (const service of page.ServicesLastAccessed ?? []) {
      if (!service.LastAuthenticated) continue;
      const tracked = (service.TrackedActionsLastAccessed ?? []).filter(
        (a) => a.LastAccessedTime && a.ActionName,
      );
      if (tracked.length) for (const a of tracked) actions.add(`${service.ServiceNamespace}:${a.ActionName}`);
      else actions.add(`${service.ServiceNamespace}:*`);
    }
    if (!page.IsTruncated || !page.Marker) break;
    Marker = page.Marker;
  }
  return { actions: [...actions].sort() };
}
