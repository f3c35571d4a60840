// An identity key typed on the command line that holds a credential shape is refused before any workflow id is made
// of it (ids sit outside payload encryption), with one line that never repeats the key.
import { describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.ts';
import { identityKeyProblem } from '../../../schemas/identity-keys.ts';
import { generatedAccessKeyId } from '../../support/access-key-ids.ts';

const token = `ghp_${'Ab1'.repeat(12)}`;

async function nhi(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('identity keys given from outside the normaliser', () => {
  it('a key with a credential shape has a problem; ARNs and access key ids do not', () => {
    expect(identityKeyProblem(`principal:generic:${token}`)).toMatch(/credential shape \(github-token\)/);
    expect(identityKeyProblem('arn:aws:iam::123456789012:user/ci')).toBeUndefined();
    expect(identityKeyProblem(`aws:access-key:${generatedAccessKeyId()}`)).toBeUndefined();
  });

  const who = ['--as', 'bob@example.com', '--reason', 'r'];
  it.each([
    [
      [
        'except',
        'request',
        `arn:aws:iam::123456789012:user/${token}`,
        '--action',
        'scope-down',
        '--for',
        '7d',
      ],
    ],
    [['request', 'read-logs', '--for', `principal:generic:${token}`, '--duration', '1h']],
  ])('%j exits 2 with one line that does not repeat the key', async (argv) => {
    const r = await nhi(...argv, ...who);
    expect(r.code).toBe(2);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/credential shape/);
    expect(r.err[0]).not.toContain(token);
  });
});
