// Which handoff failures are waited out and which are the payload's fault (split, then dead-letter).
import { describe, expect, it } from 'vitest';
import { classifyHandoffError } from '../../../consumers/temporal-errors.ts';

const grpc = (code: number, details: string) =>
  Object.assign(new Error('Failed to signalWithStart Workflow'), {
    cause: Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} }),
  });

describe('classifyHandoffError', () => {
  it.each([
    [14, 'No connection established', 'unavailable'],
    [4, 'Deadline exceeded', 'unavailable'],
    [8, 'namespace rate limit exceeded', 'unavailable'],
    [13, 'internal', 'unavailable'],
    [3, 'WorkflowId length exceeds limit.', 'rejected'],
    [3, 'Blob data size exceeds limit.', 'rejected'],
    [8, 'grpc: received message larger than max (5000220 vs. 4194304)', 'rejected'],
    [7, 'Request unauthorized.', 'config'],
    [16, 'bad token', 'config'],
    [5, 'Namespace default is not found.', 'config'],
  ])('code %i %s → %s', (code, details, expected) => {
    const c = classifyHandoffError(grpc(code, details));
    expect(c.class).toBe(expected);
    expect(c.code).toBe(code);
    expect(c.message).toContain(details);
  });

  it('errors without a status are treated as an outage', () => {
    expect(classifyHandoffError(new Error('socket hang up')).class).toBe('unavailable');
    expect(classifyHandoffError('weird').class).toBe('unavailable');
  });

  it('the data converter refusing a value is for good', () => {
    const e = Object.assign(new Error('cannot encode'), { name: 'PayloadConverterError' });
    expect(classifyHandoffError(e).class).toBe('rejected');
  });

  it('messages are one line', () => {
    expect(classifyHandoffError(grpc(3, 'a\nb\n  c')).message).not.toContain('\n');
  });
});
