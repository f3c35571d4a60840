import { describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.ts';

async function nhi(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('nhi rollback arguments', () => {
  it.each([
    [[], /exactly one REMEDIATION_ID/],
    [['a', 'b', '--as', 'x', '--reason', 'r'], /exactly one REMEDIATION_ID/],
    [['id', '--reason', 'r'], /--as WHO is required/],
    [['id', '--as', 'alice@example.com'], /--reason R is required/],
    [['id', '--as', 'alice@example.com', '--reason', ' '], /--reason R is required/],
    [['id', '--bogus'], /Unknown option/],
  ])('%j: exit 2 with one line', async (args, message) => {
    const r = await nhi('rollback', ...args);
    expect(r.code).toBe(2);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(message);
  });

  it('--help says what is restored and what cannot be rolled back', async () => {
    const r = await nhi('rollback', '--help');
    expect(r.code).toBe(0);
    const text = r.out.join('\n');
    expect(text).toMatch(/usage: nhi rollback REMEDIATION_ID --as WHO --reason R \[--key FILE\] \[--json\]/);
    expect(text).toMatch(/Secrets Manager secret: the leaked value would come back/);
  });
});
