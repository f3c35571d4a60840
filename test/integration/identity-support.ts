// Shared by the identity-* integration tests: canonical findings, a worker on a private task queue with the real
// activities (AWS emulator, Kafka events on a private topic), history helpers and recorded-history fixtures.

import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  type IAMClient,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  TagRoleCommand,
  TagUserCommand,
} from '@aws-sdk/client-iam';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { type NativeConnection, Worker } from '@temporalio/worker';
import type { Producer } from 'kafkajs';
import type { AssumeRoleSpy } from '../../activities/access/grant.ts';
import type { RemediationAction } from '../../activities/actions/action.ts';
import { builtInActions } from '../../activities/actions/registry.ts';
import { awsClients } from '../../activities/aws/clients.ts';
import { createActivities } from '../../activities/index.ts';
import { createPolicySource, policyPath } from '../../activities/policy-source.ts';
import { fetchHistory, fetchRunChain, type History } from '../../evidence/fetch-history.ts';
import { kafka, payloadCodec, temporalClient, temporalWorkerConnection } from '../../runtime/connections.ts';
import { decryptPayloadsInPlace } from '../../runtime/payload-codec.ts';
import { createWorker, workflowBundle } from '../../runtime/worker.ts';
import { ACTION_SUPPORT } from '../../schemas/action-support.ts';
import type { Finding, FindingKind } from '../../schemas/finding.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import { controlWorkflowId } from '../../workflows/control/definitions.ts';
import {
  type FindingsDelivery,
  findingsSignal,
  identityWorkflowId,
} from '../../workflows/identity/definitions.ts';
import type { identityWorkflow } from '../../workflows/identity/workflow.ts';
import { withExampleAccessKeys } from '../support/fixture-keys.ts';
import { createTestTopics, deleteTestTopics } from '../support/kafka.ts';
import { sealed } from '../support/service-seal.ts';

const policyDoc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

/** The two-hop estate: ci → deploy → admin, a group with a Deny-ed member, an orphan, a service role. */
export interface Estate {
  account: string;
  arn: Record<'ci' | 'analyst' | 'orphan' | 'deploy' | 'admin' | 'lambdaExec', string>;
  ciKey: { id: string; secret: string };
}

export async function seedEstate(iam: IAMClient, prefix: string): Promise<Estate> {
  const user = async (name: string, tags: Record<string, string> = {}) => {
    const u = (await iam.send(new CreateUserCommand({ UserName: `${prefix}-${name}` }))).User!;
    const Tags = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
    if (Tags.length) await iam.send(new TagUserCommand({ UserName: u.UserName, Tags }));
    return u.Arn!;
  };
  const role = async (name: string, trust: object) =>
    (
      await iam.send(
        new CreateRoleCommand({
          RoleName: `${prefix}-${name}`,
          AssumeRolePolicyDocument: policyDoc({
            Effect: 'Allow',
            Principal: trust,
            Action: 'sts:AssumeRole',
          }),
        }),
      )
    ).Role!.Arn!;

  const ci = await user('ci', { owner: 'team-ci' });
  const account = ci.split(':')[4]!;
  const deploy = await role('deploy', { AWS: ci });
  const admin = await role('admin', { AWS: deploy });
  const lambdaExec = await role('lambda-exec', { Service: 'lambda.amazonaws.com' });
  await iam.send(
    new TagRoleCommand({ RoleName: `${prefix}-admin`, Tags: [{ Key: 'owner', Value: 'platform' }] }),
  );

  await iam.send(
    new PutUserPolicyCommand({
      UserName: `${prefix}-ci`,
      PolicyName: 'assume-deploy',
      PolicyDocument: policyDoc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: deploy }),
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: `${prefix}-deploy`,
      PolicyName: 'deploy',
      PolicyDocument: policyDoc(
        { Sid: 'AssumeAdmin', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: admin },
        {
          Sid: 'ShipCode',
          Effect: 'Allow',
          Action: 'lambda:UpdateFunctionCode',
          Resource: `arn:aws:lambda:us-east-1:${account}:function:${prefix}-*`,
        },
      ),
    }),
  );
  // AWS's AdministratorAccess document, as a customer-managed policy (moto's server does not load AWS's).
  const adminPolicy = (
    await iam.send(
      new CreatePolicyCommand({
        PolicyName: `${prefix}-AdministratorAccess`,
        PolicyDocument: policyDoc({ Effect: 'Allow', Action: '*', Resource: '*' }),
      }),
    )
  ).Policy!.Arn!;
  await iam.send(new AttachRolePolicyCommand({ RoleName: `${prefix}-admin`, PolicyArn: adminPolicy }));
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: `${prefix}-lambda-exec`,
      PolicyName: 'write-artifacts',
      PolicyDocument: policyDoc({
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: `arn:aws:s3:::${prefix}-artifacts/*`,
      }),
    }),
  );

  const secretsReader = (
    await iam.send(
      new CreatePolicyCommand({
        PolicyName: `${prefix}-secrets-reader`,
        PolicyDocument: policyDoc({
          Effect: 'Allow',
          Action: 'secretsmanager:GetSecretValue',
          Resource: '*',
        }),
      }),
    )
  ).Policy!.Arn!;
  await iam.send(new CreateGroupCommand({ GroupName: `${prefix}-readers` }));
  await iam.send(new AttachGroupPolicyCommand({ GroupName: `${prefix}-readers`, PolicyArn: secretsReader }));
  await iam.send(
    new PutGroupPolicyCommand({
      GroupName: `${prefix}-readers`,
      PolicyName: 's3-read',
      PolicyDocument: policyDoc({
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:ListBucket'],
        Resource: '*',
      }),
    }),
  );
  const analyst = await user('analyst', { team: 'analytics' });
  await iam.send(
    new AddUserToGroupCommand({ GroupName: `${prefix}-readers`, UserName: `${prefix}-analyst` }),
  );
  await iam.send(
    new PutUserPolicyCommand({
      UserName: `${prefix}-analyst`,
      PolicyName: 'no-secrets',
      PolicyDocument: policyDoc({ Effect: 'Deny', Action: 'secretsmanager:*', Resource: '*' }),
    }),
  );

  const orphan = await user('orphan');
  await iam.send(
    new PutUserPolicyCommand({
      UserName: `${prefix}-orphan`,
      PolicyName: 'key-minter',
      PolicyDocument: policyDoc({ Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: '*' }),
    }),
  );
  await iam.send(new CreateAccessKeyCommand({ UserName: `${prefix}-orphan` }));

  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: `${prefix}-ci` }))).AccessKey!;
  return {
    account,
    arn: { ci, analyst, orphan, deploy, admin, lambdaExec },
    ciKey: { id: key.AccessKeyId!, secret: key.SecretAccessKey! },
  };
}

/** An IAM user in the emulator that can do anything (a managed admin policy), with an access key. */
export async function seedAdminUser(
  name: string,
  opts: { owner?: string } = {},
): Promise<{ user: IdentityRef; key: IdentityRef; account: string; secretAccessKey: string }> {
  const { iam } = awsClients();
  const user = (await iam.send(new CreateUserCommand({ UserName: name }))).User!;
  const account = user.Arn!.split(':')[4]!;
  if (opts.owner)
    await iam.send(new TagUserCommand({ UserName: name, Tags: [{ Key: 'owner', Value: opts.owner }] }));
  const policy = (
    await iam.send(
      new CreatePolicyCommand({
        PolicyName: `${name}-admin`,
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
        }),
      }),
    )
  ).Policy!;
  await iam.send(new AttachUserPolicyCommand({ UserName: name, PolicyArn: policy.Arn }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  return {
    account,
    secretAccessKey: key.SecretAccessKey!,
    user: { key: user.Arn!, type: 'aws-user', provider: 'aws', account, name, aliases: [user.UserId!] },
    key: {
      key: `aws:access-key:${key.AccessKeyId}`,
      type: 'aws-access-key',
      provider: 'aws',
      account,
      name: key.AccessKeyId!,
      aliases: [],
      owner: user.Arn!,
    },
  };
}

let counter = 0;

/** A canonical finding about `identity`; the id is derived from `seed`, so the same seed is the same finding. */
export function finding(
  identity: IdentityRef,
  kind: FindingKind,
  opts: { seed?: string; severity?: number; title?: string; format?: Finding['source']['format'] } = {},
): Finding {
  const seed = opts.seed ?? `${identity.key}/${kind}/${++counter}/${randomUUID()}`;
  const severity = opts.severity ?? 70;
  const format = opts.format ?? 'ocsf';
  return {
    schemaVersion: 1,
    id: `f_${createHash('sha256').update(seed).digest('hex').slice(0, 32)}`,
    source: { format, product: 'test', vendor: 'nhi-enforce' },
    kind,
    status: 'open',
    title: opts.title ?? `${kind} on ${identity.name ?? identity.key}`,
    severity: { label: severity >= 70 ? 'high' : 'medium', score: severity },
    // An hour ago: young enough for the policy's maxFindingAgeForAction whenever the test runs.
    time: new Date(Date.now() - 3_600_000).toISOString(),
    identities: [identity],
    resources: [],
    references: [],
    evidence: {},
  };
}

/** A verified AWS key a scanner found in a public place: the finding that deactivates the key automatically. */
export function leakedKey(
  identity: IdentityRef,
  opts: { seed?: string; title?: string; fingerprint?: string } = {},
): Finding {
  return {
    ...finding(identity, 'exposed-secret', {
      ...(opts.seed ? { seed: opts.seed } : {}),
      severity: 90,
      format: 'trufflehog',
      title: opts.title ?? 'AWS key in .env',
    }),
    secret: {
      detector: 'AWS',
      fingerprint: opts.fingerprint ?? 'c'.repeat(64),
      hint: 'AKIA…(20)',
      verified: true,
    },
    evidence: { public: true },
  };
}

export interface TestWorker {
  taskQueue: string;
  eventsTopic: string;
  client: Client;
  /** Workflow ids that stop() terminates first (their task queue goes away with this worker). */
  terminateAtStop: string[];
  /** Stop this worker (the next one on the same queue starts from history: a real replay). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A worker on a private task queue with the real activities; events go to a private topic. `policyFile` replaces
 * the default policy (read again at each use, as `nhi run` does); `extraActions` adds team actions.
 */
export async function startTestWorker(
  name: string,
  opts: {
    policyFile?: string;
    extraActions?: readonly RemediationAction[];
    assumeRoleSpy?: AssumeRoleSpy;
  } = {},
): Promise<TestWorker> {
  const taskQueue = `${name}-${randomUUID().slice(0, 8)}`;
  const topics = await createTestTopics(name, ['events']);
  const producer: Producer = kafka('nhi-test-worker').producer({ idempotent: true });
  await producer.connect();
  const client = await temporalClient();
  let connection: NativeConnection | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  const start = async () => {
    connection = await temporalWorkerConnection();
    const activities = createActivities({
      aws: awsClients(),
      producer,
      eventsTopic: topics.events,
      ...(opts.assumeRoleSpy ? { assumeRoleSpy: opts.assumeRoleSpy } : {}),
      ...(opts.policyFile || opts.extraActions
        ? {
            policy: createPolicySource({
              path: opts.policyFile ?? (() => policyPath()),
              // Team actions this worker has are known to the policy's meaning check.
              ...(opts.extraActions
                ? {
                    context: {
                      actions: {
                        ...ACTION_SUPPORT,
                        ...Object.fromEntries(
                          opts.extraActions.map((a) => [
                            a.name,
                            { identityTypes: a.appliesTo, changes: 'self' },
                          ]),
                        ),
                      },
                    },
                  }
                : {}),
            }),
          }
        : {}),
      actions: [...builtInActions, ...(opts.extraActions ?? [])],
    });
    // A restarted worker's workflows sit on the old worker's sticky queue until this timeout (10 s by default)
    // sends them back to the shared queue: keep it short, so a restart costs a test ~1 s, not 10 s per task.
    worker = await createWorker(connection, activities, taskQueue, {
      stickyQueueScheduleToStartTimeout: '1s',
    });
    running = worker.run();
  };
  const halt = async () => {
    worker?.shutdown();
    await running;
    await connection?.close();
  };
  await start();
  const terminateAtStop: string[] = [];
  return {
    taskQueue,
    eventsTopic: topics.events!,
    client,
    terminateAtStop,
    restart: async () => {
      await halt();
      await start();
    },
    stop: async () => {
      // The enforcement control of this queue, if a remediation started it.
      for (const id of [...terminateAtStop, controlWorkflowId(taskQueue)])
        await client.workflow
          .getHandle(id)
          .terminate('test over')
          .catch(() => {});
      await halt();
      await producer.disconnect();
      await client.connection.close();
      await deleteTestTopics(topics);
    },
  };
}

/** Delivers findings as the consumer does (consumers/handoff.ts): signal-with-start on the identity's workflow. */
export async function deliver(
  client: Client,
  taskQueue: string,
  identity: IdentityRef,
  findings: Finding[],
): Promise<void> {
  await client.workflow.signalWithStart<typeof identityWorkflow, [FindingsDelivery]>('identityWorkflow', {
    workflowId: identityWorkflowId(identity.key),
    taskQueue,
    args: [{ identity }],
    signal: findingsSignal,
    signalArgs: [sealed(identityWorkflowId(identity.key), findingsSignal, { identity, findings })],
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(250);
  }
}

export { fetchHistory, type History };

/** Terminates the workflow (if still running) and returns its complete last run's history. */
export async function finalHistory(client: Client, workflowId: string): Promise<History> {
  const handle = client.workflow.getHandle(workflowId);
  await handle.terminate('test over: history recorded').catch(() => {});
  return decrypted(await fetchHistory(client, workflowId));
}

/**
 * Payloads decrypted in place: replay fixtures stay plaintext (replayable without our keys, and searchable for
 * access-key ids to replace), and a test can read what the workflow was given.
 */
async function decrypted(history: History): Promise<History> {
  await decryptPayloadsInPlace(history, await payloadCodec());
  return history;
}

/** The workflow's run chain, oldest first (evidence/fetch-history.ts), payloads decrypted. */
export async function runChain(client: Client, workflowId: string) {
  const chain = await fetchRunChain(client, workflowId);
  for (const run of chain) await decrypted(run.history);
  return chain;
}

export const eventsOf = (history: History) => history.events ?? [];

/** Replays histories against the current workflow code: a determinism break is returned, not thrown. */
export async function replay(histories: Array<{ workflowId: string; history: History }>): Promise<string[]> {
  const errors: string[] = [];
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: await workflowBundle() },
    histories,
  )) {
    if (result.error) errors.push(`${result.workflowId}: ${result.error.message}`);
  }
  return errors;
}

const fixturesDir = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));

/**
 * Writes a history as a replay fixture for test/unit/workflows/replay.test.ts when NHI_RECORD_HISTORIES=1 or when
 * it does not exist yet; otherwise the committed one stays (it is the old code's history the new code must replay).
 */
export function recordFixture(name: string, history: History): string | undefined {
  const file = `${fixturesDir}${name}.json`;
  if (existsSync(file) && process.env.NHI_RECORD_HISTORIES !== '1') return undefined;
  mkdirSync(fixturesDir, { recursive: true });
  const json = JSON.stringify(JSON.parse(historyToJSON(history as never)), null, 2);
  writeFileSync(file, `${withExampleAccessKeys(json)}\n`);
  // In the project's format, so `biome check .` stays clean after re-recording.
  execFileSync(
    fileURLToPath(new URL('../../node_modules/.bin/biome', import.meta.url)),
    ['format', '--write', file],
    {
      stdio: 'ignore',
    },
  );
  return file;
}
