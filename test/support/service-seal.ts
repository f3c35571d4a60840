// Test messages sealed as one of our services would seal them (runtime/service-keys.ts: the local stack's keys),
// for tests that signal a workflow directly instead of through the consumer or another workflow.
import type { SignalDefinition } from '@temporalio/common';
import { sealAs } from '../../runtime/service-keys.ts';
import type { Sealed, ServiceName } from '../../schemas/service-seal.ts';

export function sealed<T extends object>(
  workflowId: string,
  signal: Pick<SignalDefinition<[Sealed<T>]>, 'name'>,
  body: T,
  opts: { service?: ServiceName; at?: Date } = {},
): Sealed<T> {
  const service = opts.service ?? (signal.name === 'findings' ? 'consumer' : 'worker');
  const at = opts.at?.toISOString();
  return {
    ...body,
    seal: sealAs(service, { workflowId, message: signal.name, body, ...(at ? { at } : {}) }),
  };
}
