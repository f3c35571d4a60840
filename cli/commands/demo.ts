// `nhi demo`: the README's first command — the main job end to end on a built-in sample.
import { type Command, parseCommandArgs } from '../command.ts';

const usage = `usage: nhi demo

Installs what is missing (Kafka, Temporal CLI, moto into ~/.cache/nhi-enforce), brings the local stack up, and
runs the pipeline on a built-in sample: a leaked AWS key found by a secret scanner → Kafka → identity workflows
score it by what it can do → policy starts remediations (automatic, and one after an approval) against the AWS
emulator → the leaked key is proven denied → workflow histories are written as evidence. Prints each step.`;

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run the whole pipeline on a built-in sample, printing each step',
  usage,
  async run(argv, io) {
    parseCommandArgs(argv, {}, false);
    const { runDemo } = await import('../../demo/run-demo.ts');
    await runDemo(io.out);
    return 0;
  },
};
