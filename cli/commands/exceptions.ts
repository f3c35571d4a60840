// `nhi exceptions [--expired] [--json]`: granted exceptions, live by default.
import { type Command, parseCommandArgs, UsageError } from '../command.ts';
import { exceptionLine } from '../format-requests.ts';
import { connectTemporal } from '../identity-source.ts';
import { LISTING_OPTIONS, listingBounds } from '../listing-args.ts';
import { listExceptions } from '../requests-source.ts';

const usage = `usage: nhi exceptions [--expired] [--limit N] [--page-size N] [--json]

Lists granted exceptions, soonest to end first: live ones by default, or with --expired the ones that expired
or were revoked (an identity keeps the latest 50 of those; live ones are never dropped).

  --expired      ended exceptions instead of live ones
  --limit N      show the N soonest to end only (the others are not kept in memory)
  --page-size N  read the identities' visibility list N workflows at a time (1–1000; default: the server's);
                 a memo that does not decode is named on stderr and skipped
  --json         one JSON object per exception on stdout

examples:
  nhi exceptions
  nhi exceptions --expired --json
  nhi exceptions --limit 20
next: nhi except revoke ID ends one early`;

function parseExceptionsArgs(argv: string[]) {
  const { values, positionals } = parseCommandArgs(argv, {
    expired: { type: 'boolean' },
    ...LISTING_OPTIONS,
  });
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  return { values, ...listingBounds(values) };
}

export const exceptionsCommand: Command = {
  name: 'exceptions',
  summary: 'granted exceptions (live, or --expired)',
  usage,
  parse: parseExceptionsArgs,
  async run(argv, io) {
    const { values, limit, pageSize } = parseExceptionsArgs(argv);
    const source = await connectTemporal();
    try {
      const now = Date.now();
      const list = await listExceptions(source, {
        expired: values.expired === true,
        now,
        limit,
        pageSize,
        unreadable: (line) => io.err(`nhi exceptions: ${line}`),
      });
      if (values.json) for (const e of list) io.out(JSON.stringify(e));
      else if (!list.length) io.out(values.expired ? 'no ended exceptions' : 'no live exceptions');
      else for (const e of list) io.out(exceptionLine(e, now));
      return 0;
    } finally {
      await source.close();
    }
  },
};
