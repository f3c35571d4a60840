// Listing at scale: the visibility list is read a page at a time, only as the listing takes it (what is held is a
// page and the N kept), and one memo that does not decode is named and skipped, never fatal. A fake page source
// stands in for Temporal: the test is about our paging, not the server's.
import type { Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { rankIdentities } from '../../../cli/identity-source.ts';
import { KeepTop } from '../../../cli/keep-top.ts';
import { main } from '../../../cli/main.ts';
import { type PageSource, type RawExecution, streamIdentityMemos } from '../../../runtime/identity-memos.ts';
import {
  IDENTITY_MEMO_KEY,
  IDENTITY_WORKFLOW_PREFIX,
  type IdentityMemo,
} from '../../../workflows/identity/definitions.ts';

const PAGE = 50;
const TOTAL = 1_000;
const BAD = 137;

/** Pages of executions made on demand; counts what it has handed out. */
function fakePages() {
  const state = { pages: 0, handedOut: 0 };
  const source: PageSource = async (token) => {
    const start = token ? Number(Buffer.from(token).toString()) : 0;
    state.pages++;
    const executions: RawExecution[] = [];
    for (let i = start; i < Math.min(start + PAGE, TOTAL); i++) {
      const memo = { type: 'aws-iam-user', score: i % 100, factors: [], remediations: [] };
      executions.push({
        execution: { workflowId: `${IDENTITY_WORKFLOW_PREFIX}key-${i}` },
        memo: {
          fields: { [IDENTITY_MEMO_KEY]: { data: Buffer.from(i === BAD ? 'sealed' : JSON.stringify(memo)) } },
        },
      });
    }
    state.handedOut += executions.length;
    const next = start + PAGE;
    return { executions, nextPageToken: next < TOTAL ? Buffer.from(String(next)) : undefined };
  };
  return { source, state };
}

const decode = async (p: Payload): Promise<IdentityMemo> => {
  const text = Buffer.from(p.data!).toString();
  if (text === 'sealed') throw new Error('payload sealed with a key this process does not hold');
  return JSON.parse(text) as IdentityMemo;
};

describe('identity memos, a page at a time', () => {
  it('fetches the next page only once the reader has taken the previous one', async () => {
    const { source, state } = fakePages();
    const skipped: string[] = [];
    let taken = 0;
    for await (const _ of streamIdentityMemos(source, decode, (id) => skipped.push(id))) {
      taken++;
      // Held = handed out and not yet taken: never more than one page.
      expect(state.handedOut - taken - skipped.length).toBeLessThan(PAGE);
      if (taken === 10) expect(state.pages).toBe(1);
    }
    expect(taken).toBe(TOTAL - 1);
    expect(state.pages).toBe(TOTAL / PAGE);
  });

  it('names an undecodable memo on stderr and skips it; the listing keeps only the N highest', async () => {
    const { source } = fakePages();
    const stderr: string[] = [];
    const memos = streamIdentityMemos(source, decode, (id, reason) =>
      stderr.push(`nhi identities: skipped ${id}: its memo does not decode (${reason})`),
    );
    const ranked = await rankIdentities(memos, { limit: 3, minRisk: 90 });
    expect(stderr).toEqual([
      `nhi identities: skipped ${IDENTITY_WORKFLOW_PREFIX}key-${BAD}: its memo does not decode (payload sealed with a key this process does not hold)`,
    ]);
    expect(ranked.identities.map((i) => [i.key, i.score])).toEqual([
      ['key-199', 99],
      ['key-299', 99],
      ['key-399', 99],
    ]);
    expect(ranked.matched).toBe(100); // scores 90–99, ten of each
  });

  it('KeepTop never holds more than its limit, and keeps arrival order among equals', () => {
    const top = new KeepTop<number>(3, (a, b) => Math.floor(a) - Math.floor(b));
    let most = 0;
    for (const n of [5, 1.1, 9, 1.2, 0, 7, 1.3]) {
      top.offer(n);
      most = Math.max(most, top.size);
    }
    expect(most).toBe(3);
    expect(top.sorted()).toEqual([0, 1.1, 1.2]);
    expect(top.seen).toBe(7);
  });

  it.each([
    ['identities', '--page-size', '0'],
    ['pending', '--limit', 'all'],
    ['exceptions', '--page-size', '5000'],
  ])('nhi %s %s %s → exit 2, one line, before connecting', async (...argv) => {
    const err: string[] = [];
    const code = await main(argv, { out: () => {}, err: (l) => err.push(l) });
    expect(code).toBe(2);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(new RegExp(`--${argv[1]!.slice(2)} must be a whole number from 1 to`));
  });
});
