// The shape every `nhi` subcommand has, and the two error kinds that map to exit codes.
import { type ParseArgsConfig, parseArgs } from 'node:util';

export interface Io {
  out: (line: string) => void; // results: JSON lines with --json, readable text without
  err: (line: string) => void; // progress, summaries, warnings
}

export interface Command {
  name: string;
  summary: string; // one line for `nhi --help`
  usage: string; // full text for `nhi NAME --help`, ending with its examples: and next: lines
  /** The argument check run starts with, alone (no file, network or key is touched): throws a UsageError. */
  parse(argv: string[]): unknown;
  run(argv: string[], io: Io): Promise<number>;
}

/** Bad arguments: exit 2 with one readable line. */
export class UsageError extends Error {}

/** An expected failure (service down, bad file): exit 1 with one readable line, no stack. */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs with its errors turned into one-line UsageErrors. */
export function parseCommandArgs<O extends Options>(argv: string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0] ?? String(error));
  }
}

/** Resolves on the first SIGINT or SIGTERM: for commands that serve until they are told to stop. */
export function untilStopSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
