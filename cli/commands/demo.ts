// `nhi demo`: the README's first command — the main job end to end on a built-in sample.
import { type Command, parseCommandArgs } from '../command.ts';

const usage = `usage: nhi demo [--team-action]

Installs what is missing (Kafka, Temporal CLI, moto into ~/.cache/nhi-enforce), brings the local stack up, and
runs the pipeline on a built-in sample: a leaked AWS key found by a secret scanner → Kafka → identity workflows
score it by what it can do → policy starts remediations (automatic, and one after an approval) against the AWS
emulator → the leaked key is proven denied → workflow histories are written as evidence. Prints each step.

  --team-action  instead: a platform team's own action (examples/postgres-rotate) on its own worker and task
                 queue, driven by a scanner finding of a PostgreSQL URL with its password: the role's password is
                 rotated in a real PostgreSQL and in Secrets Manager, the leaked one is proven refused.

examples:
  nhi demo
  nhi demo --team-action
next: nhi identities lists what the demo scored; nhi stack down stops the stack`;

const parseDemoArgs = (argv: string[]) =>
  parseCommandArgs(argv, { 'team-action': { type: 'boolean' } }, false);

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run the whole pipeline on a built-in sample, printing each step',
  usage,
  parse: parseDemoArgs,
  async run(argv, io) {
    const { values } = parseDemoArgs(argv);
    if (values['team-action']) {
      const { runTeamActionDemo } = await import('../../demo/team-action.ts');
      await runTeamActionDemo(io.out);
      return 0;
    }
    const { runDemo } = await import('../../demo/run-demo.ts');
    await runDemo(io.out);
    return 0;
  },
};
