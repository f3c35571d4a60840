// How many workflows a worker keeps in memory. The SDK's default (600 per GB of heap, for small workflows) fills
// the heap with identity workflows, which hold their findings: in a 1,000,000-finding run two workers of 5,000
// identities each grew to ~4.9 GB RSS and one died of heap exhaustion while answering queries. An evicted workflow
// only costs a replay of its history the next time it has work.
import { getHeapStatistics } from 'node:v8';

/** Workflows cached per GB of heap above a 200 MB reserve: the SDK's figure for workflows that carry state. */
export const CACHED_WORKFLOWS_PER_GB = 250;

export class WorkflowCacheError extends Error {}

/** NHI_WORKFLOW_CACHE (a whole number; 0 disables the cache), else derived from the heap limit. */
export function workflowCacheSize(
  env: NodeJS.ProcessEnv = process.env,
  heapLimitBytes = getHeapStatistics().heap_size_limit,
): number {
  const raw = env.NHI_WORKFLOW_CACHE?.trim();
  if (raw) {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n === 1 || n > 1_000_000)
      throw new WorkflowCacheError(
        `NHI_WORKFLOW_CACHE=${raw} must be 0 (no cache) or a whole number from 2 to 1000000`,
      );
    return n;
  }
  const heapMb = heapLimitBytes / 2 ** 20;
  return Math.max(10, Math.floor((Math.max(heapMb - 200, 0) * CACHED_WORKFLOWS_PER_GB) / 1024));
}
