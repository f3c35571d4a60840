// `nhi identity KEY [--json]`: one identity's full record — findings, capabilities with their paths, reach, the
// score with every factor's reason, owner, last use, exceptions, and each remediation with its current status.
import { type Command, parseCommandArgs, UsageError } from '../command.ts';
import { identityReport } from '../format-identity.ts';
import { EXAMPLE_IDENTITY } from '../help-examples.ts';
import { connectTemporal, readIdentity, readRemediations } from '../identity-source.ts';

const usage = `usage: nhi identity KEY [--json]

Shows what nhi-enforce knows about one identity, read from its Temporal workflow: owner and last use, what it
can do (each capability with the path of roles that gives it), which roles it can assume, the risk score with
every factor and its reason, its findings, exceptions, and the remediations started for it with their status.

  KEY     the canonical identity key, e.g. arn:aws:iam::123456789012:user/ci or aws:access-key:AKIA…
          (nhi identities lists them)
  --json  the whole record and the remediations' states as one JSON object

Needs Temporal (NHI_TEMPORAL_ADDRESS, default the local stack) and a worker answering queries (nhi run).
Exit status: 0, or 1 with one line when the identity is unknown or Temporal cannot be reached.

examples:
  nhi identity ${EXAMPLE_IDENTITY}
next: nhi approve ID for a remediation awaiting approval; nhi except request KEY to pause one`;

function parseIdentityArgs(argv: string[]) {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } });
  if (positionals.length === 0) throw new UsageError('no identity KEY given');
  if (positionals.length > 1) throw new UsageError(`one KEY at a time (got ${positionals.length})`);
  return { values, key: positionals[0]! };
}

export const identityCommand: Command = {
  name: 'identity',
  summary: "one identity's record: capabilities, reach, why the score, remediations",
  usage,
  parse: parseIdentityArgs,
  async run(argv, io) {
    const { values, key } = parseIdentityArgs(argv);
    const source = await connectTemporal();
    try {
      const record = await readIdentity(source, key);
      const remediations = await readRemediations(source, record.remediations);
      if (values.json) io.out(JSON.stringify({ key, record, remediations }));
      else for (const line of identityReport(record, remediations, Date.now())) io.out(line);
      return 0;
    } finally {
      await source.close();
    }
  },
};
