// The worker's workflow cache size (runtime/workflow-cache.ts): from the heap limit by default, at 250 workflows
// per GB (the SDK's own default of 600 filled the heap with identity workflows), or as NHI_WORKFLOW_CACHE says.
import { describe, expect, it } from 'vitest';
import { WorkflowCacheError, workflowCacheSize } from '../../../runtime/workflow-cache.ts';

const GB = 2 ** 30;

describe('workflow cache size', () => {
  it('is 250 per GB of heap above a 200 MB reserve, never under 10', () => {
    expect(workflowCacheSize({}, 4144 * 2 ** 20)).toBe(962);
    expect(workflowCacheSize({}, 2 * GB)).toBe(451);
    expect(workflowCacheSize({}, 100 * 2 ** 20)).toBe(10);
  });

  it('takes NHI_WORKFLOW_CACHE when given (0: no cache)', () => {
    expect(workflowCacheSize({ NHI_WORKFLOW_CACHE: '300' }, 4 * GB)).toBe(300);
    expect(workflowCacheSize({ NHI_WORKFLOW_CACHE: '0' }, 4 * GB)).toBe(0);
    expect(workflowCacheSize({ NHI_WORKFLOW_CACHE: ' ' }, 2 * GB)).toBe(451);
  });

  it.each(['1', '-5', 'lots', '2.5'])('refuses NHI_WORKFLOW_CACHE=%s in one line', (raw) => {
    expect(() => workflowCacheSize({ NHI_WORKFLOW_CACHE: raw })).toThrow(WorkflowCacheError);
    expect(() => workflowCacheSize({ NHI_WORKFLOW_CACHE: raw })).toThrow(/^NHI_WORKFLOW_CACHE=.* must be 0/);
  });
});
