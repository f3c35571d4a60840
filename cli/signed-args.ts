// The arguments of every command that sends a signed decision about one thing (approve, reject, rollback, retry,
// revoke): the thing's id first, then who signs (--as WHO, --key FILE) and why (--reason R), with --json. One
// parser, so each says the same words in the same order for the same mistake.
import { parseCommandArgs, UsageError } from './command.ts';
import { personArg } from './keys.ts';

const SIGNED_OPTIONS = {
  as: { type: 'string' },
  reason: { type: 'string' },
  key: { type: 'string' },
  json: { type: 'boolean' },
} as const;
/** approve and reject show what is decided and ask first; --yes does not ask. */
const CONFIRMED_OPTIONS = { ...SIGNED_OPTIONS, yes: { type: 'boolean' } } as const;

interface SignedValues {
  as?: string;
  reason?: string;
  key?: string;
  json?: boolean;
  yes?: boolean; // only where asksToConfirm: the parser refuses it elsewhere
}

/** `target` reads the positionals (throwing a UsageError that names what is missing) before --as and --reason. */
export function parseSignedArgs<T>(
  argv: string[],
  target: (positionals: string[]) => T,
  { asksToConfirm = false } = {},
) {
  const parsed = parseCommandArgs(argv, asksToConfirm ? CONFIRMED_OPTIONS : SIGNED_OPTIONS);
  const values: SignedValues = parsed.values;
  const positionals = parsed.positionals;
  const own = target(positionals);
  const person = personArg(values.as);
  const reason = values.reason?.trim();
  if (!reason) throw new UsageError('--reason R is required');
  return { values, person, reason, ...own };
}
