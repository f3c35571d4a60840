// Where `nhi pending`, `nhi approve|reject` and `nhi except`/`nhi exceptions` read requests from: the remediation
// workflows' queries (approval requests) and the identity workflows' records (exception requests and grants).
// Running remediations are found by a visibility query; identities with exceptions by their memo counts (each
// memo read on its own: one that does not decode is named, not fatal).
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { memoDecoder, streamIdentityMemos, visibilityPages } from '../runtime/identity-memos.ts';
import { ACCESS_WORKFLOW_TYPE, type AccessState, accessQuery } from '../workflows/access/definitions.ts';
import {
  IDENTITY_WORKFLOW_PREFIX,
  IDENTITY_WORKFLOW_TYPE,
  identityQuery,
} from '../workflows/identity/definitions.ts';
import type { ExceptionGrant, ExceptionRequestRecord, IdentityRecord } from '../workflows/identity/state.ts';
import { approvalsMissing } from '../workflows/remediation/approval-rules.ts';
import { type RemediationState, remediationQuery } from '../workflows/remediation/definitions.ts';
import { CommandError } from './command.ts';
import { readIdentity, type TemporalSource } from './identity-source.ts';
import { KeepTop } from './keep-top.ts';

const QUERY_TIMEOUT_MS = 10_000;

export interface PendingApproval {
  kind: 'approval';
  id: string;
  openedAt: string;
  deadline: string;
  msLeft: number;
  status: RemediationState['status'];
  missing: Record<string, number>;
  state: RemediationState;
}

export interface PendingException {
  kind: 'exception';
  id: string;
  identityKey: string;
  openedAt: string;
  deadline: string;
  msLeft: number;
  request: Omit<ExceptionRequestRecord, 'directory'>;
  owner?: string | null;
  score?: number;
}

export interface PendingAccess {
  kind: 'access';
  id: string;
  openedAt: string;
  deadline: string;
  msLeft: number;
  missing: Record<string, number>;
  state: AccessState;
}

export type PendingRequest = PendingApproval | PendingException | PendingAccess;

/** An access request's state, or one line saying why it cannot be read. */
export async function readAccess(source: TemporalSource, workflowId: string): Promise<AccessState> {
  try {
    return await source.client.connection.withDeadline(Date.now() + QUERY_TIMEOUT_MS, () =>
      source.client.workflow.getHandle(workflowId).query(accessQuery),
    );
  } catch (error) {
    const text = String((error as Error)?.message ?? error).split('\n')[0] ?? '';
    if (/not found/i.test(text))
      throw new CommandError(`no access request '${workflowId}' (nhi pending lists open requests)`);
    throw new CommandError(
      `reading access request '${workflowId}' failed: ${text} (is \`nhi run\` running?)`,
    );
  }
}

async function list(source: TemporalSource, query: string): Promise<WorkflowExecutionInfo[]> {
  const out: WorkflowExecutionInfo[] = [];
  await source.client.connection.withDeadline(Date.now() + 60_000, async () => {
    for await (const e of source.client.workflow.list({ query })) out.push(e);
  });
  return out;
}

/** A remediation's state, or one line saying why it cannot be read. */
export async function readRemediation(source: TemporalSource, workflowId: string): Promise<RemediationState> {
  try {
    return await source.client.connection.withDeadline(Date.now() + QUERY_TIMEOUT_MS, () =>
      source.client.workflow.getHandle(workflowId).query(remediationQuery),
    );
  } catch (error) {
    const text = String((error as Error)?.message ?? error).split('\n')[0] ?? '';
    if (/not found/i.test(text))
      throw new CommandError(`no remediation '${workflowId}' (nhi pending lists open requests)`);
    throw new CommandError(`reading remediation '${workflowId}' failed: ${text} (is \`nhi run\` running?)`);
  }
}

/**
 * Running identity workflows whose memo counts `field`, memos read one by one: one that does not decode (written
 * under a payload key this process does not hold) is named on `unreadable` and passed over, not fatal.
 */
async function* identitiesWith(
  source: TemporalSource,
  field: 'openExceptionRequests' | 'liveExceptions' | 'endedExceptions',
  unreadable: (line: string) => void,
  pageSize?: number,
): AsyncGenerator<string> {
  const memos = streamIdentityMemos(
    visibilityPages(
      source.client,
      `WorkflowType = '${IDENTITY_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND WorkflowId STARTS_WITH '${IDENTITY_WORKFLOW_PREFIX}'`,
      pageSize,
    ),
    memoDecoder(source.client),
    (workflowId, reason) => unreadable(`skipped ${workflowId}: its memo does not decode (${reason})`),
  );
  for await (const { workflowId, memo } of memos) if ((memo?.[field] ?? 0) > 0) yield workflowId;
}

/** How much a listing reads and keeps: at most `limit` shown, the visibility list read `pageSize` at a time. */
export interface Paging {
  limit?: number;
  pageSize?: number;
}

/** Open approval and exception requests, oldest first. */
export async function pendingRequests(
  source: TemporalSource,
  now: number,
  unreadable: (line: string) => void = () => {},
  paging: Paging = {},
): Promise<PendingRequest[]> {
  const out = new KeepTop<PendingRequest>(
    paging.limit ?? Number.POSITIVE_INFINITY,
    (a, b) => Date.parse(a.openedAt) - Date.parse(b.openedAt),
  );
  const running = await list(source, `WorkflowType = 'remediationWorkflow' AND ExecutionStatus = 'Running'`);
  for (const e of running) {
    const state = await readRemediation(source, e.workflowId).catch(() => undefined);
    const request = state?.request;
    if (!state || !request || (state.status !== 'awaiting-approval' && state.status !== 'paused')) continue;
    out.offer({
      kind: 'approval',
      id: e.workflowId,
      openedAt: request.openedAt,
      deadline: request.deadline,
      msLeft: Date.parse(request.deadline) - now,
      status: state.status,
      missing: approvalsMissing(
        state.input.approval ?? { groups: { security: 1 } },
        request,
        state.approvals,
      ),
      state: { ...state, request: { ...request, directory: { ...request.directory, people: {} } } },
    });
  }
  const accessRunning = await list(
    source,
    `WorkflowType = '${ACCESS_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'`,
  );
  for (const e of accessRunning) {
    const state = await readAccess(source, e.workflowId).catch(() => undefined);
    const request = state?.request;
    if (!state || !request || state.status !== 'awaiting-approval') continue;
    const { directory: _directory, ...shown } = request;
    out.offer({
      kind: 'access',
      id: e.workflowId,
      openedAt: request.openedAt,
      deadline: request.deadline,
      msLeft: Date.parse(request.deadline) - now,
      missing: approvalsMissing(
        state.plan?.action.approval ?? { groups: { security: 1 } },
        request,
        state.approvals,
      ),
      state: { ...state, request: { ...shown, directory: { ...request.directory, people: {} } } },
    });
  }
  for await (const workflowId of identitiesWith(
    source,
    'openExceptionRequests',
    unreadable,
    paging.pageSize,
  )) {
    const key = workflowId.slice(IDENTITY_WORKFLOW_PREFIX.length);
    const record = await readIdentity(source, key).catch(() => undefined);
    for (const r of record?.exceptionRequests.filter((x) => x.status === 'open') ?? []) {
      const { directory: _directory, ...request } = r;
      out.offer({
        kind: 'exception',
        id: `${r.id}@${key}`,
        identityKey: key,
        openedAt: r.openedAt,
        deadline: r.deadline,
        msLeft: Date.parse(r.deadline) - now,
        request,
        owner: record?.assessment?.owner,
        score: record?.assessment?.risk.score,
      });
    }
  }
  return out.sorted();
}

export interface ListedException extends ExceptionGrant {
  identityKey: string;
  publicId: string;
  live: boolean;
}

/** Granted exceptions: live ones, or (expired) the ones that ended. */
export async function listExceptions(
  source: TemporalSource,
  opts: { expired: boolean; now: number; unreadable?: (line: string) => void } & Paging,
): Promise<ListedException[]> {
  const holders = identitiesWith(
    source,
    opts.expired ? 'endedExceptions' : 'liveExceptions',
    opts.unreadable ?? (() => {}),
    opts.pageSize,
  );
  const out = new KeepTop<ListedException>(
    opts.limit ?? Number.POSITIVE_INFINITY,
    (a, b) => Date.parse(a.expiresAt) - Date.parse(b.expiresAt),
  );
  for await (const workflowId of holders) {
    const key = workflowId.slice(IDENTITY_WORKFLOW_PREFIX.length);
    const record: IdentityRecord | undefined = await source.client.workflow
      .getHandle(workflowId)
      .query(identityQuery)
      .catch(() => undefined);
    for (const g of record?.exceptions ?? []) {
      const live = !g.expiredAt && Date.parse(g.expiresAt) > opts.now;
      if (live === opts.expired) continue;
      out.offer({ ...g, identityKey: key, publicId: `${g.id}@${key}`, live });
    }
  }
  return out.sorted();
}
