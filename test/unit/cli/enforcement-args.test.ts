// `nhi enforcement`: bad arguments exit 2 with one line, before anything is contacted.
import { describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.ts';

async function nhi(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('nhi enforcement arguments', () => {
  it.each([
    [['enforcement'], /say pause, resume or status/],
    [['enforcement', 'stop'], /unknown enforcement command 'stop'/],
    [['enforcement', 'pause'], /pause needs --as WHO and --reason R/],
    [['enforcement', 'resume', '--as', 'oncall'], /resume needs --as WHO and --reason R/],
    [['enforcement', 'status', 'extra'], /unexpected argument 'extra'/],
    [['enforcement', 'status', '--bogus'], /bogus/],
  ])('%j exits 2 with one line', async (argv, message) => {
    const r = await nhi(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(message);
  });

  it('--help shows the usage', async () => {
    const r = await nhi('enforcement', '--help');
    expect(r.code).toBe(0);
    expect([...r.out, ...r.err].join('\n')).toContain('usage: nhi enforcement pause --as WHO --reason R');
  });
});
