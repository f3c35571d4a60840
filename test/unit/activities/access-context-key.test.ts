// The access worker's context for a request whose identity key holds a credential shape: no workflow id is made of
// the key (no Temporal call at all), and what the workflow records names the shape, never the key.
import { describe, expect, it } from 'vitest';
import type { AccessContextDeps } from '../../../activities/access/context.ts';
import { createAccessContextActivities } from '../../../activities/access/context.ts';
import { loadPolicy } from '../../../activities/policy-source.ts';

const token = `ghp_${'Ab1'.repeat(12)}`;
const unused = () => {
  throw new Error('not reached: nothing is looked up for a refused key');
};

describe('accessContext with a credential-shaped identity key', () => {
  it('answers at once with the key redacted and the reason, contacting nothing', async () => {
    const deps = {
      policy: () => ({ policy: loadPolicy(), hash: 'sha256:test', path: 'test', owners: {} }),
      accounts: { clientsForAccount: unused },
      assess: unused,
    } as unknown as AccessContextDeps;
    // Outside an activity context: Context.current() would throw, so this also proves no Temporal call is made.
    const ctx = await createAccessContextActivities(deps).accessContext({
      action: 'read-logs',
      identityKey: `principal:generic:${token}`,
    });
    expect(ctx.identity).toEqual({
      key: '[REDACTED]',
      compromise: [],
      unknown: expect.stringMatching(/credential shape \(github-token\)/),
    });
    expect(JSON.stringify(ctx)).not.toContain(token);
  });
});
