// `nhi dlq`: help, and bad arguments exit 2 with one line before anything connects to Kafka.
import { describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.ts';

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('nhi dlq arguments', () => {
  it('--help shows both actions', async () => {
    const r = await run('dlq', '--help');
    expect(r.code).toBe(0);
    expect(r.out.join('\n')).toMatch(/nhi dlq list .*\n.*nhi dlq replay \[--dry-run\] \[--since T\]/);
  });

  it.each([
    [[], /say list or replay/],
    [['purge'], /unknown action 'purge'/],
    [['list', '--dry-run'], /--dry-run is for replay/],
    [['replay', '--since', 'yesterday'], /--since must be an ISO 8601 time/],
    [['list', 'extra'], /unexpected argument 'extra'/],
    [['list', '--bogus'], /bogus/],
  ])('nhi dlq %j → exit 2, one line', async (args, message) => {
    const r = await run('dlq', ...args);
    expect(r.code).toBe(2);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(message);
  });
});
