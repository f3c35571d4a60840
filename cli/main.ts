// Entry point of the `nhi` command: dispatch to a subcommand, map errors to exit codes.
import { type Command, CommandError, type Io, UsageError } from './command.ts';
import { commands } from './commands/index.ts';

const stdio: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return ['usage: nhi COMMAND [options]   (nhi COMMAND --help for details)', '', 'commands:', ...lines].join(
    '\n',
  );
}

export async function main(argv: string[], io: Io = stdio): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(overview());
    return name ? 0 : 2;
  }
  const command: Command | undefined = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`nhi: unknown command '${name}' (try: nhi --help)`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`nhi ${name}: ${error.message} (see: nhi ${name} --help)`);
      return 2;
    }
    if (error instanceof CommandError) {
      io.err(`nhi ${name}: ${error.message}`);
      return error.exitCode;
    }
    io.err(`nhi ${name}: ${(error as Error)?.message ?? String(error)}`);
    if (process.env.NHI_DEBUG) io.err(String((error as Error)?.stack));
    return 1;
  }
}
