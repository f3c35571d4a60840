// `nhi exceptions [--expired] [--json]`: granted exceptions, live by default.
import { type Command, parseCommandArgs, UsageError } from '../command.ts';
import { exceptionLine } from '../format-requests.ts';
import { connectTemporal } from '../identity-source.ts';
import { listExceptions } from '../requests-source.ts';

const usage = `usage: nhi exceptions [--expired] [--json]

Lists granted exceptions, soonest to end first: live ones by default, or with --expired the ones that expired
or were revoked (an identity keeps the latest 50 of those; live ones are never dropped).

  --expired  ended exceptions instead of live ones
  --json     one JSON object per exception on stdout

examples:
  nhi exceptions
  nhi exceptions --expired --json
next: nhi except revoke ID ends one early`;

function parseExceptionsArgs(argv: string[]) {
  const { values, positionals } = parseCommandArgs(argv, {
    expired: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  return { values };
}

export const exceptionsCommand: Command = {
  name: 'exceptions',
  summary: 'granted exceptions (live, or --expired)',
  usage,
  parse: parseExceptionsArgs,
  async run(argv, io) {
    const { values } = parseExceptionsArgs(argv);
    const source = await connectTemporal();
    try {
      const now = Date.now();
      const list = await listExceptions(source, {
        expired: values.expired === true,
        now,
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
