// The database team's worker: `node --import tsx examples/postgres-rotate/worker.ts`. It runs where the team's
// credentials are: the database admin URL (PGROTATE_ADMIN_URL) and AWS (the default credential chain, or the local
// emulator like every nhi process). It polls the team's task queue (PGROTATE_TASK_QUEUE, default dbteam) and
// registers its action with the enforcer's registry at start-up (NHI_TASK_QUEUE names the enforcer's deployment,
// as for every nhi process), signed with its service key (NHI_SERVICE_KEY_FILE, listed in the directory in group
// dbteam). PGROTATE_SCHEDULE_TO_START (default 5m) is how long a remediation waits for this
// worker before it reports that none polls. SIGINT/SIGTERM stop it.
import { runActionWorker } from 'nhi-enforce/actions';
import { awsClients } from '../../activities/aws/clients.ts';
import { rotatePostgresPassword } from './action.ts';
import { adminFromUrl } from './database.ts';

const adminUrl = process.env.PGROTATE_ADMIN_URL;
if (!adminUrl) {
  process.stderr.write('PGROTATE_ADMIN_URL is not set (postgresql://ADMIN:PASSWORD@HOST:PORT/postgres)\n');
  process.exit(2);
}
const taskQueue = process.env.PGROTATE_TASK_QUEUE || 'dbteam';
const action = rotatePostgresPassword({
  secretsManager: awsClients().secretsManager,
  admin: adminFromUrl(adminUrl),
  ...(process.env.PGROTATE_SCHEDULE_TO_START
    ? { scheduleToStart: process.env.PGROTATE_SCHEDULE_TO_START }
    : {}),
});
const worker = await runActionWorker({ actions: [action], taskQueue });
worker.registered.then(
  (list) => process.stdout.write(`registered ${list.map((a) => a.name).join(', ')} on ${taskQueue}\n`),
  (error) =>
    process.stderr.write(`registration failed: ${String((error as Error).message).split('\n')[0]}\n`),
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void worker.shutdown());
await worker.running;
