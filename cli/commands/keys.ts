// `nhi keys new --as WHO [--force] [--json]`: an Ed25519 key pair for signing decisions.
import { type Command, parseCommandArgs, UsageError } from '../command.ts';
import { keysDir, personArg, writeKeyPair } from '../keys.ts';

const usage = `usage: nhi keys new --as WHO [--force] [--json]

Writes an Ed25519 key pair for WHO (your email, lower-cased: the directory's canonical id) to
$NHI_KEYS_DIR/WHO.key (default ~/.config/nhi-enforce/keys, outside any repository; file mode 0600), and prints
the public-key line to add under your entry in the directory file the policy names:

  - id: alice@example.com
    groups: [security]
    keys: [ed25519:…]

  --as WHO  whose key it is
  --force   replace an existing key file (the old key stops verifying once removed from the directory)
  --json    {"person","publicKey","keyFile"} on stdout

examples:
  nhi keys new --as alice@example.com
next: add the printed line under your entry in the directory file (policies/directory.yaml), then nhi policy check`;

function parseKeysArgs(argv: string[]) {
  const { values, positionals } = parseCommandArgs(argv, {
    as: { type: 'string' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (positionals[0] !== 'new' || positionals.length !== 1)
    throw new UsageError(`expected 'nhi keys new --as WHO', got '${positionals.join(' ') || '(nothing)'}'`);
  return { values, person: personArg(values.as) };
}

export const keysCommand: Command = {
  name: 'keys',
  summary: 'keys new --as WHO: an Ed25519 key pair for signing approvals',
  usage,
  parse: parseKeysArgs,
  async run(argv, io) {
    const { values, person } = parseKeysArgs(argv);
    const { file, publicKey } = writeKeyPair(person, values.force === true);
    const line = `ed25519:${publicKey}`;
    if (values.json) io.out(JSON.stringify({ person, publicKey: line, keyFile: file }));
    else {
      io.out(line);
      io.err(`private key written to ${file} (mode 0600; keys dir ${keysDir()})`);
      io.err(`add to the directory file:\n  - id: ${person}\n    groups: [YOUR-GROUPS]\n    keys: [${line}]`);
    }
    return 0;
  },
};
