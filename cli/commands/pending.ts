// `nhi pending [--json]`: open approval and exception requests, oldest first, with what a reviewer needs and the
// time each has left.
import { type Command, parseCommandArgs, UsageError } from '../command.ts';
import { pendingLine } from '../format-requests.ts';
import { connectTemporal } from '../identity-source.ts';
import { LISTING_OPTIONS, listingBounds } from '../listing-args.ts';
import { pendingRequests } from '../requests-source.ts';

const usage = `usage: nhi pending [--limit N] [--page-size N] [--json]

Lists open requests, oldest first: remediations awaiting approval (or paused by an exception) and exception
requests awaiting a second person. Each line says what is asked, about which identity and owner, who is still
needed and how long is left. Decide with nhi approve|reject ID or nhi except approve ID.

  --limit N      show the N oldest only (the others are not kept in memory)
  --page-size N  read the identities' visibility list N workflows at a time (1–1000; default: the server's);
                 a memo that does not decode is named on stderr and skipped
  --json         one JSON object per request on stdout (kind, id, openedAt, deadline, msLeft, and the full request)

Needs Temporal and a worker answering queries (nhi run).

examples:
  nhi pending --json
  nhi pending --limit 20
next: nhi approve|reject ID, or nhi except approve ID`;

function parsePendingArgs(argv: string[]) {
  const { values, positionals } = parseCommandArgs(argv, LISTING_OPTIONS);
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  return { values, ...listingBounds(values) };
}

export const pendingCommand: Command = {
  name: 'pending',
  summary: 'open approval and exception requests, oldest first, with time left',
  usage,
  parse: parsePendingArgs,
  async run(argv, io) {
    const { values, limit, pageSize } = parsePendingArgs(argv);
    const source = await connectTemporal();
    try {
      const pending = await pendingRequests(source, Date.now(), (line) => io.err(`nhi pending: ${line}`), {
        limit,
        pageSize,
      });
      if (values.json) for (const p of pending) io.out(JSON.stringify(p));
      else if (!pending.length) io.out('no open requests');
      else for (const p of pending) for (const line of pendingLine(p)) io.out(line);
      return 0;
    } finally {
      await source.close();
    }
  },
};
