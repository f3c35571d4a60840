// `nhi doctor`: the checks a deployment can run before it starts, in one place: the policy (strict: warnings are
// errors) and the configuration `nhi run` refuses to start on. Nothing new is checked here; it only gathers them.
import { policyPath } from '../../activities/policy-source.ts';
import { endpoints } from '../../infra/endpoints.ts';
import { devKeyRefusal } from '../../runtime/key-guard.ts';
import { pipelineOptionsFromEnv } from '../../runtime/run-config.ts';
import { type Command, parseCommandArgs, UsageError } from '../command.ts';
import { policyCommand } from './policy.ts';

const usage = `usage: nhi doctor

Runs, in order, the checks that already exist elsewhere, and prints each problem on its own line:
  - nhi policy check --strict on the worker's policy (NHI_POLICY_FILE, else policies/default.yaml): errors, and
    warnings such as an approval group nobody belongs to, all as errors
  - the environment nhi run reads (NHI_* settings: ports, sizes, topics), as nhi run would refuse it
  - the public development fingerprint key used with an endpoint that is not local
It connects to nothing, except Temporal's action registry when the policy names team actions (as nhi policy
check does).

Exit status: 0 when nothing is wrong, 1 when anything is, 2 on bad arguments.

examples:
  nhi doctor
next: fix each line it prints (each names its file or setting), then nhi run`;

function parseDoctorArgs(argv: string[]) {
  const { positionals } = parseCommandArgs(argv, {});
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  return {};
}

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'the policy (strict) and the configuration nhi run checks, in one pass',
  usage,
  parse: parseDoctorArgs,
  async run(argv, io) {
    parseDoctorArgs(argv);
    let problems = 0;
    const problem = (line: string) => {
      problems++;
      io.out(line);
    };
    const policy = await policyCommand.run(['check', policyPath(), '--strict'], {
      out: (line) => (line.includes(': ok (') ? io.out(line) : problem(line)),
      err: io.err,
    });
    if (policy !== 0 && problems === 0) problems++;
    try {
      pipelineOptionsFromEnv();
    } catch (error) {
      problem(`environment: ${(error as Error).message}`);
    }
    const refusal = devKeyRefusal(process.env, endpoints());
    if (refusal) problem(`environment: ${refusal}`);
    if (!problems) io.out('doctor: nothing wrong found');
    return problems ? 1 : 0;
  },
};
