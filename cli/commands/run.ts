// `nhi run [all|consumer|worker]`: the long-running pipeline; SIGINT/SIGTERM stop it cleanly.
import { jsonLog } from '../../runtime/log.ts';
import type { Role } from '../../runtime/pipeline.ts';
import { type Command, parseCommandArgs, UsageError } from '../command.ts';

const usage = `usage: nhi run [all|consumer|worker] [--group ID]

Runs the pipeline until SIGINT/SIGTERM: 'all' (default) runs the findings consumer and the Temporal worker in one
process; 'consumer' and 'worker' run one role each, for production where they scale separately.
Logs are JSON lines on stderr. Endpoints come from NHI_KAFKA_BROKERS, NHI_TEMPORAL_ADDRESS, NHI_TEMPORAL_NAMESPACE,
NHI_AWS_ENDPOINT (see README); by default the local stack of 'nhi stack up'.

  --group ID   Kafka consumer group (default nhi-enforce-findings)`;

export const runCommand: Command = {
  name: 'run',
  summary: 'run the consumers and the Temporal worker until stopped',
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, { group: { type: 'string' } });
    const role = (positionals[0] ?? 'all') as Role;
    if (!['all', 'consumer', 'worker'].includes(role) || positionals.length > 1) {
      throw new UsageError(`unknown role '${positionals.join(' ')}' (all, consumer or worker)`);
    }
    const log = jsonLog(`nhi-${role}`);
    // Loaded here, not at the top: Temporal's native bridge and the AWS SDK are heavy for other commands.
    const { startPipeline } = await import('../../runtime/pipeline.ts');
    const pipeline = await startPipeline({ role, groupId: values.group, log });
    log('running', { role });
    let stopping = false;
    const stopped = new Promise<number>((resolve) => {
      const stop = (signal: string) => {
        stopping = true;
        log('stopping', { signal });
        pipeline.stop().then(
          () => resolve(0),
          () => resolve(1),
        );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
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
    return Promise.race([stopped, crashed]);
  },
};
