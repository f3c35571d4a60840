// Why a handoff to Temporal failed, as the consumer must act on it. Only the payload can make a call fail the
// same way every time (too large, an id past Temporal's limits): those findings are split and, alone, dead-lettered.
// Everything else — Temporal away, overloaded, misconfigured — is waited out: the findings stay in Kafka.

/** gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
export const GrpcStatus = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/**
 * - `rejected`: this payload will never be accepted (INVALID_ARGUMENT such as "Blob data size exceeds limit" or
 *   "WorkflowId exceeds maximum allowed length", OUT_OF_RANGE, a message over the server's gRPC limit, a value the data
 *   converter cannot encode). Retrying it would stall the partition forever.
 * - `config`: no call will succeed until someone fixes the deployment (unknown namespace, bad credentials,
 *   permissions). Waited out like an outage, but logged as what it is.
 * - `unavailable`: Temporal is down, restarting, overloaded or slow. Waited out.
 */
export type HandoffErrorClass = 'rejected' | 'config' | 'unavailable';

export interface ClassifiedError {
  class: HandoffErrorClass;
  /** gRPC status code when the error carries one. */
  code?: number;
  /** One line, for logs and DLQ headers. */
  message: string;
}

const MESSAGE_TOO_LARGE = /larger than max|message too large|exceeds limit/i;

function grpcCause(error: unknown): { code: number; details?: string } | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const { code, details, cause } = e as { code?: unknown; details?: unknown; cause?: unknown };
    if (typeof code === 'number') return { code, details: typeof details === 'string' ? details : undefined };
    e = cause;
  }
  return undefined;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}

export function classifyHandoffError(error: unknown): ClassifiedError {
  const grpc = grpcCause(error);
  const top = error instanceof Error ? error.message : String(error);
  const message = oneLine(grpc?.details ? `${top}: ${grpc.details}` : top);
  if (!grpc) {
    // Not from the server: the SDK's data converter refusing a value is the only deterministic case we know.
    const name = (error as { name?: string } | undefined)?.name ?? '';
    if (/PayloadConverterError|ValueError|DataConverterError/.test(name))
      return { class: 'rejected', message };
    return { class: 'unavailable', message };
  }
  const { code } = grpc;
  switch (code) {
    case GrpcStatus.INVALID_ARGUMENT:
    case GrpcStatus.OUT_OF_RANGE:
      return { class: 'rejected', code, message };
    case GrpcStatus.RESOURCE_EXHAUSTED:
      // Also Temporal's rate limiter ("namespace rate limit exceeded"), which passes: only size is for good.
      return {
        class: MESSAGE_TOO_LARGE.test(grpc.details ?? top) ? 'rejected' : 'unavailable',
        code,
        message,
      };
    case GrpcStatus.NOT_FOUND: // namespace not found
    case GrpcStatus.PERMISSION_DENIED:
    case GrpcStatus.UNAUTHENTICATED:
    case GrpcStatus.UNIMPLEMENTED:
    case GrpcStatus.FAILED_PRECONDITION: // e.g. namespace not active
      return { class: 'config', code, message };
    default:
      return { class: 'unavailable', code, message };
  }
}
