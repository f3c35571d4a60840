// Where `nhi identities` and `nhi identity` read from: Temporal. The list is a visibility query (search attribute
// NhiRiskScore and the workflow memo, no worker needed); one identity's full record is its workflow's query
// (needs a running worker: `nhi run`), its remediations' states their workflows' queries.
import { type Client, type WorkflowExecutionInfo, WorkflowNotFoundError } from '@temporalio/client';
import { endpoints } from '../infra/endpoints.ts';
import { temporalClient } from '../runtime/connections.ts';
import {
  type ListedIdentityMemo,
  memoDecoder,
  streamIdentityMemos,
  visibilityPages,
} from '../runtime/identity-memos.ts';
import { TransportConfigError } from '../runtime/transport.ts';
import {
  IDENTITY_WORKFLOW_PREFIX,
  IDENTITY_WORKFLOW_TYPE,
  type IdentityMemo,
  identityQuery,
  identityWorkflowId,
  riskScoreSearchAttribute,
} from '../workflows/identity/definitions.ts';
import type { IdentityRecord, RemediationRecord } from '../workflows/identity/state.ts';
import {
  type FollowUpState,
  followUpQuery,
  type RemediationState,
  remediationQuery,
} from '../workflows/remediation/definitions.ts';
import { CommandError } from './command.ts';
import { KeepTop } from './keep-top.ts';

const CONNECT_TIMEOUT_MS = 3_000;
const QUERY_TIMEOUT_MS = 10_000;
const PARALLEL_QUERIES = 8;

export interface TemporalSource {
  client: Client;
  address: string;
  close(): Promise<void>;
}

/** A client, or one readable line: where Temporal was looked for and how to start it. */
export async function connectTemporal(): Promise<TemporalSource> {
  const { temporalAddress: address } = endpoints();
  try {
    const client = await temporalClient({ connectTimeoutMs: CONNECT_TIMEOUT_MS });
    return { client, address, close: () => client.connection.close() };
  } catch (error) {
    if (error instanceof TransportConfigError) throw new CommandError(error.message);
    throw new CommandError(
      `cannot reach Temporal at ${address} (${firstLine(error)}): start the local stack with \`nhi stack up\`, or set NHI_TEMPORAL_ADDRESS`,
    );
  }
}

const firstLine = (error: unknown) =>
  String((error as Error)?.message ?? error)
    .split('\n')[0]!
    .replace(/^\d+ [A-Z_]+: /, '');

type Chain = { code?: number; message?: string; cause?: unknown } | undefined;
/** Some error in the cause chain matches: the SDK wraps gRPC errors ("Failed to query Workflow"). */
function inChain(error: unknown, match: (e: NonNullable<Chain>) => boolean): boolean {
  let e = error as Chain;
  for (let depth = 0; e && depth < 5; depth++, e = e.cause as Chain) if (match(e)) return true;
  return false;
}
/** gRPC DEADLINE_EXCEEDED. */
const isDeadline = (error: unknown) =>
  inChain(error, (e) => e.code === 4 || /DEADLINE_EXCEEDED|deadline exceeded/i.test(e.message ?? ''));
/** The server knows no worker polls the workflow's task queue (FAILED_PRECONDITION "no poller seen"). */
const noWorker = (error: unknown) =>
  inChain(error, (e) => /no poller seen|worker may be down/i.test(e.message ?? ''));

async function withTimeout<T>(source: TemporalSource, ms: number, fn: () => Promise<T>): Promise<T> {
  return source.client.connection.withDeadline(Date.now() + ms, fn);
}

/** The identity's record from its workflow; CommandError when there is none or no worker answers. */
export async function readIdentity(source: TemporalSource, key: string): Promise<IdentityRecord> {
  const workflowId = identityWorkflowId(key);
  try {
    return await withTimeout(source, QUERY_TIMEOUT_MS, () =>
      source.client.workflow.getHandle(workflowId).query(identityQuery),
    );
  } catch (error) {
    if (error instanceof WorkflowNotFoundError || /not found/i.test(firstLine(error)))
      throw new CommandError(
        `no identity '${key}' in Temporal at ${source.address} (nhi identities lists them)`,
      );
    if (isDeadline(error) || noWorker(error))
      throw new CommandError(
        `identity '${key}' exists but no worker answered its query${noWorker(error) ? ' (none polls its task queue)' : ` within ${QUERY_TIMEOUT_MS / 1000}s`}: is \`nhi run\` running?`,
      );
    throw new CommandError(`reading identity '${key}' from ${source.address} failed: ${firstLine(error)}`);
  }
}

export interface RemediationView extends RemediationRecord {
  /** The remediation's own state (query), when its worker answered. */
  state?: Pick<
    RemediationState,
    | 'status'
    | 'approvals'
    | 'rejection'
    | 'verification'
    | 'plan'
    | 'request'
    | 'hold'
    | 'approvalReason'
    | 'refusal'
    | 'waitingForWorker'
    | 'refusedMessages'
    | 'teamAction'
  >;
  /** Temporal's execution status (RUNNING, COMPLETED, TERMINATED, …), always known. */
  execution: string;
  /** After it executed: re-checks, drift, rollback (the follow-up workflow's query), when it answered. */
  followUp?: Pick<FollowUpState, 'status' | 'until' | 'drifts' | 'rollback'> & {
    lastCheck?: FollowUpState['rechecks'][number];
  };
}

async function readFollowUp(
  source: TemporalSource,
  workflowId: string,
): Promise<RemediationView['followUp']> {
  try {
    const f = await withTimeout(source, 5_000, () =>
      source.client.workflow.getHandle(workflowId).query(followUpQuery),
    );
    return {
      status: f.status,
      until: f.until,
      drifts: f.drifts,
      ...(f.rollback ? { rollback: f.rollback } : {}),
      ...(f.rechecks.length ? { lastCheck: f.rechecks.at(-1) } : {}),
    };
  } catch {
    return undefined; // gone (retention) or no worker: the remediation's own status stands
  }
}

/** Each remediation with its current status: the workflow's query, else Temporal's execution status. */
export async function readRemediations(
  source: TemporalSource,
  remediations: readonly RemediationRecord[],
): Promise<RemediationView[]> {
  return mapBounded(remediations, PARALLEL_QUERIES, async (r) => {
    const handle = source.client.workflow.getHandle(r.workflowId);
    let execution = 'UNKNOWN';
    try {
      execution = (await withTimeout(source, QUERY_TIMEOUT_MS, () => handle.describe())).status.name;
    } catch {
      // gone (retention) or unreachable: said as UNKNOWN
    }
    try {
      const s = await withTimeout(source, 5_000, () => handle.query(remediationQuery));
      const {
        status,
        approvals,
        rejection,
        verification,
        plan,
        hold,
        approvalReason,
        refusal,
        waitingForWorker,
        refusedMessages,
        teamAction,
      } = s;
      // The request without its directory snapshot: a reviewer needs the round and deadline, not everyone's keys.
      const request = s.request
        ? { ...s.request, directory: { ...s.request.directory, people: {} } }
        : undefined;
      const why = {
        ...(hold ? { hold } : {}),
        ...(approvalReason ? { approvalReason } : {}),
        ...(refusal ? { refusal } : {}),
        ...(waitingForWorker ? { waitingForWorker } : {}),
        ...(refusedMessages?.length ? { refusedMessages } : {}),
        ...(teamAction ? { teamAction } : {}),
      };
      const followUp = s.followUpWorkflowId ? await readFollowUp(source, s.followUpWorkflowId) : undefined;
      return {
        ...r,
        execution,
        state: { status, approvals, rejection, verification, plan, request, ...why },
        ...(followUp ? { followUp } : {}),
      };
    } catch {
      return { ...r, execution };
    }
  });
}

export interface IdentityListing {
  key: string;
  workflowId: string;
  type?: string;
  score?: number;
  owner?: string | null;
  factors: IdentityMemo['factors'];
  remediations: IdentityMemo['remediations'];
  /** Remediations whose workflow is still running (awaiting approval, acting). */
  pendingActions: string[];
}

export interface ListOptions {
  minRisk?: number;
  limit: number;
  /** Executions per visibility page (the server's default when unset). */
  pageSize?: number;
  /** Progress and fallbacks, for stderr. */
  note: (line: string) => void;
}

export interface ListResult {
  identities: IdentityListing[];
  /** How many matched before the limit. */
  matched: number;
  via: 'search-attribute' | 'memo' | 'query';
}

const BASE_QUERY = `WorkflowType = '${IDENTITY_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND WorkflowId STARTS_WITH '${IDENTITY_WORKFLOW_PREFIX}'`;

async function registeredAttributes(source: TemporalSource): Promise<Set<string> | undefined> {
  try {
    const listed = await withTimeout(source, QUERY_TIMEOUT_MS, () =>
      source.client.connection.operatorService.listSearchAttributes({
        namespace: source.client.options.namespace,
      }),
    );
    return new Set(Object.keys(listed.customAttributes ?? {}));
  } catch {
    return undefined; // no operator API (hosted clusters): try the query and see
  }
}

async function listExecutions(source: TemporalSource, query: string): Promise<WorkflowExecutionInfo[]> {
  const out: WorkflowExecutionInfo[] = [];
  await withTimeout(source, 60_000, async () => {
    for await (const e of source.client.workflow.list({ query })) out.push(e);
  });
  return out;
}

function listingOf({ workflowId, memo }: ListedIdentityMemo): IdentityListing {
  return {
    key: workflowId.slice(IDENTITY_WORKFLOW_PREFIX.length),
    workflowId,
    ...(memo?.type !== undefined ? { type: memo.type } : {}),
    ...(memo?.score !== undefined ? { score: memo.score } : {}),
    ...(memo && 'owner' in memo ? { owner: memo.owner } : {}),
    factors: memo?.factors ?? [],
    remediations: memo?.remediations ?? [],
    pendingActions: [],
  };
}

/** Highest risk first, then by key: the listing's order. */
const byRisk = (a: IdentityListing, b: IdentityListing) =>
  (b.score ?? -1) - (a.score ?? -1) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * The `limit` highest-risk identities of a stream of memos, read as it comes: what is held is the stream's page
 * and the `limit` kept. `answer` fills in one without a memo (a workflow from before the memo; the fallback only).
 */
export async function rankIdentities(
  memos: AsyncIterable<ListedIdentityMemo>,
  opts: { limit: number; minRisk?: number; answer?: (i: IdentityListing) => Promise<IdentityListing> },
): Promise<{ identities: IdentityListing[]; matched: number; answered: number }> {
  const top = new KeepTop<IdentityListing>(opts.limit, byRisk);
  let answered = 0;
  for await (const listed of memos) {
    let listing = listingOf(listed);
    if (listing.score === undefined && opts.answer) {
      listing = await opts.answer(listing);
      answered++;
    }
    if (opts.minRisk !== undefined && (listing.score ?? -1) < opts.minRisk) continue;
    top.offer(listing);
  }
  return { identities: top.sorted(), matched: top.seen, answered };
}

/** Running identity workflows, highest risk first. */
export async function listIdentities(source: TemporalSource, opts: ListOptions): Promise<ListResult> {
  const registered = await registeredAttributes(source);
  const unreadable = (workflowId: string, reason: string) =>
    opts.note(`skipped ${workflowId}: its memo does not decode (${reason})`);
  const ranked = (query: string, answer?: (i: IdentityListing) => Promise<IdentityListing>) =>
    withTimeout(source, 10 * 60_000, () =>
      rankIdentities(
        streamIdentityMemos(
          visibilityPages(source.client, query, opts.pageSize),
          memoDecoder(source.client),
          unreadable,
        ),
        { limit: opts.limit, minRisk: opts.minRisk, ...(answer ? { answer } : {}) },
      ),
    );
  let via: ListResult['via'] = 'search-attribute';
  let result: Awaited<ReturnType<typeof rankIdentities>> | undefined;
  if (registered?.has(riskScoreSearchAttribute.name) !== false) {
    const filter =
      opts.minRisk !== undefined ? ` AND ${riskScoreSearchAttribute.name} >= ${opts.minRisk}` : '';
    try {
      result = await ranked(BASE_QUERY + filter);
    } catch (error) {
      if (isDeadline(error)) throw new CommandError(`listing identities at ${source.address} timed out`);
      result = undefined; // the attribute is not there after all
    }
  }
  if (!result) {
    opts.note(
      `search attribute ${riskScoreSearchAttribute.name} is not registered on ${source.address}: filtering every running identity workflow here instead (slower; register it with \`temporal operator search-attribute create --name ${riskScoreSearchAttribute.name} --type Int\`)`,
    );
    via = 'memo';
    // Workflows from before the memo was kept say nothing in visibility: each is asked, as it comes.
    const answer = async (i: IdentityListing) => {
      try {
        const r = await withTimeout(source, 5_000, () =>
          source.client.workflow.getHandle(i.workflowId).query(identityQuery),
        );
        return fromRecord(i, r);
      } catch {
        return i;
      }
    };
    try {
      result = await ranked(BASE_QUERY, answer);
    } catch (error) {
      throw new CommandError(`listing identity workflows at ${source.address} failed: ${firstLine(error)}`);
    }
    if (result.answered) {
      via = 'query';
      opts.note(`queried ${result.answered} identity workflow(s) without a listing memo`);
    }
  }
  const { identities, matched } = result;

  // Pending = a remediation this identity started whose workflow is still running: one visibility query.
  const wanted = identities.flatMap((i) => i.remediations.map((r) => r.workflowId));
  if (wanted.length) {
    const running = new Set<string>();
    for (const part of chunks(wanted, 50)) {
      const ids = part.map((id) => `'${id.replace(/'/g, "\\'")}'`).join(', ');
      try {
        for (const e of await listExecutions(
          source,
          `ExecutionStatus = 'Running' AND WorkflowId IN (${ids})`,
        ))
          running.add(e.workflowId);
      } catch {
        // pending unknown: shown as none rather than failing the listing
      }
    }
    for (const i of identities)
      i.pendingActions = i.remediations.filter((r) => running.has(r.workflowId)).map((r) => r.action);
  }
  return { identities, matched, via };
}

function fromRecord(i: IdentityListing, r: IdentityRecord): IdentityListing {
  const a = r.assessment;
  return {
    ...i,
    type: r.identity.type,
    ...(a ? { score: a.risk.score, owner: a.owner ?? null } : {}),
    factors: (a?.risk.factors ?? [])
      .slice(0, 3)
      .map((f) => ({ id: f.id, contribution: f.contribution, reason: f.reason })),
    remediations: r.remediations.map((x) => ({ action: x.action, workflowId: x.workflowId, mode: x.mode })),
  };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function mapBounded<T, R>(
  items: readonly T[],
  parallel: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const work = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, work));
  return out;
}
