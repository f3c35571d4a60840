// `nhi stack up|down|status`: the local Kafka, Temporal and moto. Thin: the work is in infra/stack.ts.
import { cacheDir, localPorts, stateDir } from '../../infra/endpoints.ts';
import { temporalUi } from '../../infra/services/temporal-ui.ts';
import { StackError, type StackStatus, stackDown, stackStatus, stackUp } from '../../infra/stack.ts';
import { versions } from '../../infra/versions.ts';
import { type Command, CommandError, type Io, parseCommandArgs, UsageError } from '../command.ts';

/** --help must work even when a port variable is invalid (that is when people read it). */
function currentPorts(): {
  ports: Record<keyof ReturnType<typeof localPorts>, number | string>;
  problem: string;
} {
  try {
    return { ports: localPorts(), problem: '' };
  } catch (error) {
    const ports = { kafka: '?', kafkaController: '?', temporal: '?', moto: '?' };
    return { ports, problem: `\n\nproblem: ${(error as Error).message}` };
  }
}

function usage(): string {
  const { ports, problem } = currentPorts();
  return `usage: nhi stack up|down|status [--json]

Runs a local Kafka ${versions.kafka} (KRaft), Temporal dev server (CLI ${versions.temporalCli}) and
moto ${versions.moto} (AWS emulator, IAM policies enforced), all on 127.0.0.1 only.
Not for production: point NHI_KAFKA_BROKERS, NHI_TEMPORAL_ADDRESS, NHI_AWS_ENDPOINT=aws elsewhere.

  up      install what is missing (cached by version; first run takes minutes), start what is not
          running, wait until healthy, create the topics. A healthy running stack is reused.
  down    stop the processes that \`up\` started (by recorded pid, never by name)
  status  health, pid and port of each service; exits 1 unless all are healthy
  --json  machine-readable output on stdout (progress stays on stderr)

environment:
  NHI_CACHE_DIR              installs, keyed by version   (now: ${cacheDir()})
  NHI_STATE_DIR              data, logs, pid files        (now: ${stateDir()})
  NHI_KAFKA_PORT             Kafka broker port            (now: ${ports.kafka})
  NHI_KAFKA_CONTROLLER_PORT  Kafka KRaft controller port  (now: ${ports.kafkaController})
  NHI_TEMPORAL_PORT          Temporal frontend gRPC port  (now: ${ports.temporal})
  NHI_MOTO_PORT              moto (AWS API) port          (now: ${ports.moto})
  NHI_TEMPORAL_UI_PORT       Temporal Web UI port, or off (default: Temporal's port + 1000)
  NHI_CODEC_PORT             port of nhi codec-server, which the UI decodes through (default: UI port + 1)
  NHI_TEMPORAL_UI_CODEC_ENDPOINT  another codec endpoint for the UI, or none

logs: <state dir>/kafka.log, temporal.log, moto.log; pids in <state dir>/<service>.pid;
moto admin key (mode 0600) in <state dir>/aws-admin.json

examples:
  nhi stack up
  nhi stack status --json
next: nhi demo, or nhi run to start the pipeline on it; nhi stack down when done${problem}`;
}

function printStatus(status: StackStatus, io: Io): void {
  for (const [name, s] of Object.entries(status.services)) {
    const pid = s.pid === null ? '-' : `pid ${s.pid}`;
    io.out(
      `${name.padEnd(9)}${(s.healthy ? 'healthy' : 'down').padEnd(9)}${pid.padEnd(11)}127.0.0.1:${s.port}`,
    );
  }
  io.out(`state: ${status.stateDir}`);
  try {
    const ui = temporalUi();
    if (ui && status.services.temporal?.healthy)
      io.out(
        `web ui: ${ui.origin}${ui.codecEndpoint ? ` (decodes through ${ui.codecEndpoint}: run nhi codec-server, sign in at ${ui.codecEndpoint}/login)` : ''}`,
      );
  } catch {
    // a bad UI variable is reported by `up`; status still shows the services
  }
}

function parseStackArgs(argv: string[]) {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } });
  const [action, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
  if (action === undefined) throw new UsageError('missing action: up, down or status');
  if (!['up', 'down', 'status'].includes(action))
    throw new UsageError(`unknown action '${action}': use up, down or status`);
  return { values, action };
}

async function run(argv: string[], io: Io): Promise<number> {
  const { values, action } = parseStackArgs(argv);
  const emit = (value: unknown, text: () => void) => (values.json ? io.out(JSON.stringify(value)) : text());
  try {
    switch (action) {
      case 'up': {
        const started = Date.now();
        const { started: startedNames, ...status } = await stackUp({ log: io.err });
        io.err(`stack: up in ${((Date.now() - started) / 1000).toFixed(1)}s`);
        emit({ ...status, started: startedNames }, () => printStatus(status, io));
        return 0;
      }
      case 'down': {
        const results = await stackDown({ log: io.err });
        emit({ services: results }, () => {});
        return 0;
      }
      case 'status': {
        const status = await stackStatus();
        emit(status, () => printStatus(status, io));
        const unhealthy = Object.entries(status.services).filter(([, s]) => !s.healthy);
        if (unhealthy.length === 0) return 0;
        io.err(`stack: not healthy: ${unhealthy.map(([n]) => n).join(', ')} (start it with: nhi stack up)`);
        return 1;
      }
      default:
        throw new UsageError(`unknown action '${action}': use up, down or status`);
    }
  } catch (error) {
    if (error instanceof StackError) throw new CommandError(error.message);
    throw error;
  }
}

export const stackCommand: Command = {
  name: 'stack',
  summary: 'start, stop or check the local Kafka, Temporal and moto (AWS emulator)',
  get usage() {
    return usage();
  },
  parse: parseStackArgs,
  run,
};
