// `nhi policy check FILE [--json]`: a policy file's syntax, schema and meaning errors, one line each, before a
// worker reads it (the worker refuses to start on the same errors).
import { emptyGroupErrors } from '../../activities/directory-source.ts';
import { checkPolicyFile } from '../../activities/policy-source.ts';
import { type Command, parseCommandArgs, UsageError } from '../command.ts';

const usage = `usage: nhi policy check FILE [--json]

Checks an enforcement policy (YAML or JSON) the way the worker reads it, and prints every problem on its own line:
syntax (with line and column), schema (the field path, e.g. rules[1](scope-down).approval), and meaning:
  - a rule naming an action this worker does not have
  - a rule sending an action identity types it cannot act on (or every type, when when.identityTypes is missing)
  - an account under accounts: whose roleArn names a role in another account
  - an ownership.file that cannot be read or is not a map of identity ARN → owner
A valid policy prints one line with its rule count and SHA-256 (the hash each decision records).

  --json  one JSON object: { file, ok, errors, rules?, hash? }

Exit status: 0 when valid, 1 when the policy has errors, 2 on bad arguments.`;

export const policyCommand: Command = {
  name: 'policy',
  summary: 'check a policy file: syntax and meaning errors, one line each',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } });
    const [sub, file, ...rest] = positionals;
    if (sub !== 'check')
      throw new UsageError(sub ? `unknown subcommand '${sub}' (check)` : 'nhi policy check FILE');
    if (!file) throw new UsageError('no policy FILE given');
    if (rest.length) throw new UsageError(`one FILE at a time (got ${rest.length + 1})`);
    const read = checkPolicyFile(file);
    // Beyond what the worker checks at start: approval groups nobody in the people directory belongs to.
    const people = read.ok ? emptyGroupErrors(read.policy.policy, file) : [];
    const checked: typeof read = people.length ? { ok: false, errors: people } : read;
    if (values.json) {
      io.out(
        JSON.stringify(
          checked.ok
            ? {
                file,
                ok: true,
                errors: [],
                rules: checked.policy.policy.rules.length,
                hash: checked.policy.hash,
              }
            : { file, ok: false, errors: checked.errors },
        ),
      );
    } else if (checked.ok) {
      io.out(`${file}: ok (${checked.policy.policy.rules.length} rules, ${checked.policy.hash})`);
    } else {
      for (const line of checked.errors) io.out(line);
    }
    return checked.ok ? 0 : 1;
  },
};
