// `nhi run [all|consumer|worker]`: the long-running pipeline; SIGINT/SIGTERM stop it cleanly.
import { endpoints } from '../../infra/endpoints.ts';
import { devKeyRefusal } from '../../runtime/key-guard.ts';
import { jsonLog } from '../../runtime/log.ts';
import type { Role } from '../../runtime/pipeline.ts';
import { metricsPortFrom, pipelineOptionsFromEnv, RunConfigError } from '../../runtime/run-config.ts';
import { PolicyError } from '../../schemas/policy.ts';
import { type Command, CommandError, parseCommandArgs, UsageError } from '../command.ts';

const usage = `usage: nhi run [all|consumer|worker] [--group ID] [--metrics-port N|off]

Runs the pipeline until SIGINT/SIGTERM: 'all' (default) runs the findings consumer and the Temporal worker in one
process; 'consumer' and 'worker' run one role each, for production where they scale separately. On SIGINT/SIGTERM
the consumer finishes the step in flight, commits it and leaves its group; a second signal exits at once.
Logs are JSON lines on stderr. Prometheus metrics on http://127.0.0.1:PORT/metrics (the worker's include the
Temporal SDK's), liveness on /livez and readiness on /readyz (503 with the reasons while starting, stopping or
after a crash); NHI_METRICS_HOST=0.0.0.0 serves them beyond loopback (a pod's probes, Prometheus).
The worker reads its policy from NHI_POLICY_FILE (default policies/default.yaml) and refuses to start when it
has errors (nhi policy check FILE lists them); later changes to the file apply without a restart.
Endpoints come from NHI_KAFKA_BROKERS, NHI_TEMPORAL_ADDRESS, NHI_TEMPORAL_NAMESPACE, NHI_AWS_ENDPOINT (see README);
by default the local stack of 'nhi stack up'. TLS, SASL, the Temporal API key and the payload encryption keys
come from NHI_TEMPORAL_TLS_*, NHI_TEMPORAL_API_KEY, NHI_KAFKA_SSL_*, NHI_KAFKA_SASL_* and NHI_PAYLOAD_KEYS* (see
README). Deployment overrides: NHI_FINDINGS_TOPICS (comma-separated),
NHI_DLQ_TOPIC, NHI_EVENTS_TOPIC, NHI_TASK_QUEUE, NHI_CONSUMER_GROUP, NHI_LAG_INTERVAL_SECONDS, NHI_STEP_SIZE,
NHI_PARTITIONS_CONCURRENTLY, NHI_SESSION_TIMEOUT_MS, NHI_READ_AHEAD (findings read ahead of Temporal, default
50000; 0 = a fetch waits for its signals).
Refuses to start without NHI_FINGERPRINT_KEY unless every endpoint is local (loopback Kafka and Temporal, the AWS
emulator): the development key is public.

  --group ID            Kafka consumer group (default NHI_CONSUMER_GROUP, else nhi-enforce-findings)
  --metrics-port N|off  metrics port (default NHI_METRICS_PORT, else 9464; 0 = any free port, off = none)

examples:
  nhi run
  nhi run worker --metrics-port 9465
next: nhi ingest FILE sends findings; nhi identities shows what was scored`;

/** How long after a stop the process may take to end by itself before it is ended. */
const FORCED_EXIT_MS = 5_000;

function parseRunArgs(argv: string[]) {
  const { values, positionals } = parseCommandArgs(argv, {
    group: { type: 'string' },
    'metrics-port': { type: 'string' },
  });
  const role = (positionals[0] ?? 'all') as Role;
  if (!['all', 'consumer', 'worker'].includes(role) || positionals.length > 1)
    throw new UsageError(`unknown role '${positionals.join(' ')}' (all, consumer or worker)`);
  return { values, role };
}

export const runCommand: Command = {
  name: 'run',
  summary: 'run the consumers and the Temporal worker until stopped',
  usage,
  parse: parseRunArgs,
  async run(argv) {
    const { values, role } = parseRunArgs(argv);
    let options: ReturnType<typeof pipelineOptionsFromEnv>;
    try {
      options = pipelineOptionsFromEnv();
      if (values['metrics-port'] !== undefined)
        options.metricsPort = metricsPortFrom(values['metrics-port'], '--metrics-port');
    } catch (error) {
      if (error instanceof RunConfigError) throw new UsageError(error.message);
      throw error;
    }
    if (values.group) options.groupId = values.group;
    const refusal = devKeyRefusal(process.env, endpoints());
    if (refusal) throw new CommandError(refusal);
    const log = jsonLog(`nhi-${role}`);
    // Loaded here, not at the top: Temporal's native bridge and the AWS SDK are heavy for other commands.
    const { startPipeline } = await import('../../runtime/pipeline.ts');
    let pipeline: Awaited<ReturnType<typeof startPipeline>>;
    try {
      pipeline = await startPipeline({ ...options, role, log });
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      if (error instanceof PolicyError)
        throw new CommandError(`the ${role} role refuses to start: ${e.message}`);
      if ((e as Error).name === 'TransportConfigError') throw new CommandError(e.message);
      if (e.code === 'EADDRINUSE')
        throw new CommandError(
          `metrics port ${options.metricsPort} is in use — pick another with --metrics-port or NHI_METRICS_PORT (0 = any free, off = none)`,
        );
      throw new CommandError(`cannot start the ${role} role: ${e.message} — is the stack up? (nhi stack up)`);
    }
    log('running', { role, metricsPort: pipeline.metricsPort });
    let stopping = false;
    const stopped = new Promise<number>((resolve) => {
      const stop = (signal: string) => {
        if (stopping) {
          log('stopping-now', { signal });
          process.exit(130); // asked twice: leave now; uncommitted steps are redelivered after a restart
        }
        stopping = true;
        log('stopping', { signal });
        pipeline.stop().then(
          () => {
            log('stopped', {});
            resolve(0);
          },
          (error) => {
            log('stop-failed', { error: (error as Error).message });
            resolve(1);
          },
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
    // A role that ends while we are not stopping has crashed: exit non-zero so a supervisor restarts us.
    const never = new Promise<number>(() => {});
    const crashed = pipeline.done.then(
      () => (stopping ? never : 1),
      (error) => {
        log('crashed', { error: (error as Error).message });
        return stopping ? never : 1;
      },
    );
    const code = await Promise.race([stopped, crashed]);
    // Everything is closed by now, so the process ends by itself; a library that still holds a handle must not
    // keep an orchestrator waiting for its kill timeout. Unref'd: it never delays a clean exit.
    setTimeout(() => {
      log('exit-forced', { code, reason: 'handles still open after stop' });
      process.exit(code);
    }, FORCED_EXIT_MS).unref();
    return code;
  },
};
