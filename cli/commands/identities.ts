// `nhi identities [--min-risk N] [--limit N] [--json]`: identities ranked by risk, from Temporal visibility.
import { type Command, parseCommandArgs, UsageError } from '../command.ts';
import { identityListing } from '../format-identity.ts';
import { connectTemporal, listIdentities } from '../identity-source.ts';

const usage = `usage: nhi identities [--min-risk N] [--limit N] [--json]

Lists the identities nhi-enforce tracks (running identity workflows), highest risk first: score, key, type,
owner, the top factors of the score and the remediations still pending for each.

  --min-risk N  only identities scoring at least N (0–100)
  --limit N     show at most N (default 20)
  --json        one JSON object per identity on stdout

Reads Temporal visibility: the NhiRiskScore search attribute and each workflow's memo, kept up to date by the
identity workflow after every assessment (no worker needed). Where NhiRiskScore is not registered the listing
says so on stderr and filters here instead. \`nhi identity KEY\` shows one identity in full.

examples:
  nhi identities --min-risk 70 --limit 10
next: nhi identity KEY shows one identity's score, capabilities and remediations`;

function intOption(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got '${value}'`);
  return n;
}

function parseIdentitiesArgs(argv: string[]) {
  const { values, positionals } = parseCommandArgs(
    argv,
    { 'min-risk': { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
    false,
  );
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const minRisk = intOption('min-risk', values['min-risk'], 0, 100);
  const limit = intOption('limit', values.limit, 1, 100_000) ?? 20;
  return { values, minRisk, limit };
}

export const identitiesCommand: Command = {
  name: 'identities',
  summary: 'identities ranked by risk, with top factors and pending actions',
  usage,
  parse: parseIdentitiesArgs,
  async run(argv, io) {
    const { values, minRisk, limit } = parseIdentitiesArgs(argv);
    const source = await connectTemporal();
    try {
      const result = await listIdentities(source, {
        minRisk,
        limit,
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
