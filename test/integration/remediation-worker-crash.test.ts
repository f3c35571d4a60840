// The worker process (`nhi run worker`) SIGKILLed at each step of a rotation, then started again: the retried
// activity finishes the job with no duplicate. A finding drives each case (delivered as the consumer does), and
// NHI_TEST_CRASH_AT makes the worker kill itself at the named step (activities/actions/crash-hook.ts).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListAccessKeysCommand, ListUsersCommand } from '@aws-sdk/client-iam';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
} from '@aws-sdk/client-secrets-manager';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotatedSecretName } from '../../activities/actions/rotate-secret.ts';
import { awsClients, awsClientsFor } from '../../activities/aws/clients.ts';
import { remediationWorkflowId } from '../../risk/decide.ts';
import { temporalClient } from '../../runtime/connections.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import { secretIdentity } from '../../schemas/identity-keys.ts';
import { fingerprint, fingerprintKeyFromEnv } from '../../schemas/redaction.ts';
import type { RemediationState } from '../../workflows/remediation/definitions.ts';
import { createTestTopics, deleteTestTopics } from '../support/kafka.ts';
import { deliver, finding, seedAdminUser, waitFor } from './identity-support.ts';

const nhi = fileURLToPath(new URL('../../bin/nhi.js', import.meta.url));
const policy = `version: 1
rules:
  - id: leaked-key
    when: { minScore: 0, kinds: [exposed-secret], identityTypes: [aws-access-key, secret] }
    action: rotate-secret
    mode: auto
`;

let client: Client;
let topics: Record<string, string>;
let policyFile: string;
const taskQueue = `worker-crash-${randomUUID().slice(0, 8)}`;
const started: string[] = [];

interface Worker {
  child: ChildProcess;
  exited: Promise<NodeJS.Signals | number | null>;
}

function startWorker(crashAt?: string): Worker {
  const child = spawn(process.execPath, [nhi, 'run', 'worker'], {
    env: {
      ...process.env,
      NHI_TASK_QUEUE: taskQueue,
      NHI_EVENTS_TOPIC: topics.events,
      NHI_POLICY_FILE: policyFile,
      NHI_METRICS_PORT: 'off',
      ...(crashAt ? { NHI_TEST_CRASH_AT: crashAt } : {}),
    },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const exited = new Promise<NodeJS.Signals | number | null>((r) =>
    child.once('exit', (code, signal) => r(signal ?? code)),
  );
  return { child, exited };
}

async function stopWorker(w: Worker): Promise<void> {
  w.child.kill('SIGTERM');
  await w.exited;
}

/** Delivers the finding to a worker that kills itself at `step`, then finishes with a fresh worker. */
async function crashThenRecover(identity: IdentityRef, step: string): Promise<RemediationState> {
  const doomed = startWorker(step);
  await deliver(client, taskQueue, identity, [finding(identity, 'exposed-secret')]);
  // The deadline names what failed: a worker that never reaches the step would hang here.
  const how = await Promise.race([
    doomed.exited,
    new Promise((r) => setTimeout(() => r('still running after 90 s'), 90_000)),
  ]);
  expect(how).toBe('SIGKILL');
  const worker = startWorker();
  try {
    const id = remediationWorkflowId(identity.key, 'rotate-secret', 0);
    const state = (await waitFor(
      `${id} to finish after the restart`,
      () => client.workflow.getHandle(id).result() as Promise<RemediationState>,
      120_000,
    )) as RemediationState;
    if (state.followUpWorkflowId) started.push(state.followUpWorkflowId);
    return state;
  } finally {
    await stopWorker(worker);
  }
}

beforeAll(async () => {
  client = await temporalClient();
  topics = await createTestTopics('worker-crash', ['events']);
  const dir = mkdtempSync(join(tmpdir(), 'nhi-crash-'));
  policyFile = join(dir, 'policy.yaml');
  writeFileSync(policyFile, policy);
});
afterAll(async () => {
  for (const id of started)
    await client.workflow
      .getHandle(id)
      .terminate('test over')
      .catch(() => {});
  await deleteTestTopics(topics);
  await client.connection.close();
});

describe('SIGKILL of the worker mid-rotation, then a restart', () => {
  it.each([
    'rotate-key:before-create',
    'rotate-key:after-create',
    'rotate-key:after-store',
    'rotate-key:after-deactivate',
  ])('access key, killed at %s: exactly one new key, stored, old key inactive', async (step) => {
    const name = `crash-${randomUUID().slice(0, 8)}`;
    const { key } = await seedAdminUser(name);
    const state = await crashThenRecover(key, step);
    expect(state.status).toBe('executed');
    const keys =
      (await awsClients().iam.send(new ListAccessKeysCommand({ UserName: name }))).AccessKeyMetadata ?? [];
    expect(keys).toHaveLength(2);
    expect(keys.find((k) => k.AccessKeyId === key.name)?.Status).toBe('Inactive');
    const fresh = keys.find((k) => k.AccessKeyId !== key.name)!;
    expect(fresh.Status).toBe('Active');
    const stored = JSON.parse(
      (
        await awsClients().secretsManager.send(
          new GetSecretValueCommand({ SecretId: rotatedSecretName(name) }),
        )
      ).SecretString!,
    ) as { accessKeyId: string; secretAccessKey: string };
    expect(stored.accessKeyId).toBe(fresh.AccessKeyId);
    expect((await awsClientsFor(stored).iam.send(new ListUsersCommand({}))).Users?.length).toBeGreaterThan(0);
  });

  it.each(['rotate-stored-secret:before-put', 'rotate-stored-secret:after-put'])(
    'Secrets Manager secret, killed at %s: exactly one new version, AWSCURRENT',
    async (step) => {
      const value = `leaked-${randomUUID()}`;
      const created = await awsClients().secretsManager.send(
        new CreateSecretCommand({ Name: `crash-${randomUUID().slice(0, 8)}/api-token`, SecretString: value }),
      );
      const identity = secretIdentity('Generic API token', fingerprint(value, fingerprintKeyFromEnv()));
      const state = await crashThenRecover(identity, step);
      expect(state.status).toBe('executed');
      const versions =
        (await awsClients().secretsManager.send(new ListSecretVersionIdsCommand({ SecretId: created.ARN })))
          .Versions ?? [];
      expect(versions).toHaveLength(2);
      const stages = (
        await awsClients().secretsManager.send(new DescribeSecretCommand({ SecretId: created.ARN }))
      ).VersionIdsToStages!;
      expect(stages[created.VersionId!]).toEqual(['AWSPREVIOUS']);
      const current = await awsClients().secretsManager.send(
        new GetSecretValueCommand({ SecretId: created.ARN }),
      );
      expect(current.SecretString).not.toBe(value);
      expect(JSON.stringify(state)).not.toContain(value);
    },
  );
});
