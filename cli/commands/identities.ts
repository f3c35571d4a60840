// `nhi identities [--min-risk N] [--limit N] [--json]`: identities ranked by risk, from Temporal visibility.
import { type Command, parseCommandArgs, UsageError } from '../command.ts';
import { identityListing } from '../format-identity.ts';
import { connectTemporal, listIdentities } from '../identity-source.ts';
import { intOption } from '../int-option.ts';
import { LISTING_OPTIONS, listingBounds } from '../listing-args.ts';

const usage = `usage: nhi identities [--min-risk N] [--limit N] [--page-size N] [--json]

Lists the identities nhi-enforce tracks (running identity workflows), highest risk first: score, key, type,
owner, the top factors of the score and the remediations still pending for each.

  --min-risk N  only identities scoring at least N (0–100)
  --limit N     show at most N (default 20)
  --page-size N read the visibility list N workflows at a time (1–1000; default: the server's)
  --json        one JSON object per identity on stdout

Reads Temporal visibility: the NhiRiskScore search attribute and each workflow's memo, kept up to date by the
identity workflow after every assessment (no worker needed). Where NhiRiskScore is not registered the listing
says so on stderr and filters here instead. The list is read a page at a time and only the N highest are kept, so
a listing of 100,000 identities never holds every memo at once; a memo that does not decode (another
deployment's payload key) is named on stderr and skipped. \`nhi identity KEY\` shows one identity in full.

examples:
  nhi identities --min-risk 70 --limit 10
next: nhi identity KEY shows one identity's score, capabilities and remediations`;

function parseIdentitiesArgs(argv: string[]) {
  const { values, positionals } = parseCommandArgs(
    argv,
    { 'min-risk': { type: 'string' }, ...LISTING_OPTIONS },
    false,
  );
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const minRisk = intOption('min-risk', values['min-risk'], 0, 100);
  const { limit, pageSize } = listingBounds(values);
  return { values, minRisk, limit: limit ?? 20, pageSize };
}

export const identitiesCommand: Command = {
  name: 'identities',
  summary: 'identities ranked by risk, with top factors and pending actions',
  usage,
  parse: parseIdentitiesArgs,
  async run(argv, io) {
    const { values, minRisk, limit, pageSize } = parseIdentitiesArgs(argv);
    const source = await connectTemporal();
    try {
      const result = await listIdentities(source, {
        minRisk,
        limit,
        ...(pageSize ? { pageSize } : {}),
        note: (l) => io.err(`nhi identities: ${l}`),
      });
      for (const i of result.identities) {
        if (values.json) io.out(JSON.stringify(i));
        else for (const line of identityListing(i)) io.out(line);
      }
      const filter = minRisk !== undefined ? ` with risk ≥ ${minRisk}` : '';
      const shown = result.matched > result.identities.length ? `, showing ${result.identities.length}` : '';
      io.err(
        `${result.matched} identit${result.matched === 1 ? 'y' : 'ies'}${filter}${shown} (${source.address}, via ${result.via})`,
      );
      return 0;
    } finally {
      await source.close();
    }
  },
};
