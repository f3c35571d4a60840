// A run's complete history, read page by page over a connection that accepts large messages.
//
// History pages hold whole event batches: the signals that arrive while a workflow task runs are written as one
// batch, so one page of a busy identity can exceed gRPC's default 4 MB receive limit, and the SDK's
// `handle.fetchHistory()` would fail on exactly the identities compliance most wants to see.
import { type Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { endpoints } from '../infra/endpoints.ts';
import { temporalTransport } from '../runtime/transport.ts';

export type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** Events per page: small pages keep each message well under the limit even with large signal payloads. */
const PAGE_SIZE = 100;

/** One large-message connection per Temporal address, opened on first use. */
const connections = new Map<string, Promise<Connection>>();

function historyConnection(client: Client): Promise<Connection> {
  // The client's own address and credentials (its TLS); a client on some other ConnectionLike falls back to
  // ours. An API key is not among a connection's readable options: the configured one is sent.
  const own = client.connection instanceof Connection ? client.connection.options : undefined;
  const address = own?.address ?? endpoints().temporalAddress;
  const { tls, apiKey } = temporalTransport();
  let connection = connections.get(address);
  if (!connection) {
    connection = Connection.connect({
      address,
      ...(own ? { credentials: own.credentials } : tls ? { tls } : {}),
      ...(apiKey ? { apiKey } : {}),
      metadata: own?.metadata,
      channelArgs: { 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES },
    });
    connections.set(address, connection);
  }
  return connection;
}

/** Closes the history connections (for processes that exit on their own rather than by process.exit). */
export async function closeHistoryConnections(): Promise<void> {
  const open = [...connections.values()];
  connections.clear();
  for (const c of open) await (await c.catch(() => undefined))?.close();
}

/** The history of `runId` (the latest run when omitted) of `workflowId`, every page. */
export async function fetchHistory(client: Client, workflowId: string, runId?: string): Promise<History> {
  const service = (await historyConnection(client)).workflowService;
  const events: NonNullable<History['events']> = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await service.getWorkflowExecutionHistory({
      namespace: client.options.namespace,
      execution: { workflowId, runId },
      maximumPageSize: PAGE_SIZE,
      nextPageToken,
    });
    events.push(...(page.history?.events ?? []));
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return { events };
}

export interface Run {
  runId: string;
  history: History;
}

/**
 * Every run of the workflow's current chain, oldest first: the latest run, then each run it continued from (the
 * first event of a continued run names its predecessor). Earlier executions that merely reused the id (an identity
 * workflow terminated, then started again by a new finding) are not part of the chain and are left out.
 */
export async function fetchRunChain(client: Client, workflowId: string): Promise<Run[]> {
  const latest = await client.workflow.getHandle(workflowId).describe();
  const chain: Run[] = [];
  for (let runId: string | undefined = latest.runId; runId; ) {
    const history = await fetchHistory(client, workflowId, runId);
    chain.unshift({ runId, history });
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    runId = started?.continuedExecutionRunId || undefined;
  }
  return chain;
}
