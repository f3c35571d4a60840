// The installed Temporal binaries work as the TS SDK's test servers: the Java time-skipping test server
// (testServerPath) and the CLI dev server (temporalCliPath), each running a real workflow and activity.

import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { temporalCliPath } from '../../infra/install/index.ts';
import { startTimeSkipping } from '../support/time-skipping.ts';
import type { HelloActivities } from './fixtures/hello-workflow.ts';

const workflowsPath = fileURLToPath(new URL('./fixtures/hello-workflow.ts', import.meta.url));
const activities: HelloActivities = { greet: async (name) => `hello, ${name}` };
let workflowBundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  Runtime.install({ logger: new (await import('@temporalio/worker')).DefaultLogger('WARN') });
  workflowBundle = await bundleWorkflowCode({ workflowsPath, logger: Runtime.instance().logger });
});

async function runIn(env: TestWorkflowEnvironment, workflow: 'hello' | 'helloAfterADay'): Promise<string> {
  const taskQueue = `test-${workflow}-${Date.now()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle,
    activities,
  });
  return worker.runUntil(
    env.client.workflow.execute(workflow, { args: ['nhi'], taskQueue, workflowId: `${taskQueue}-wf` }),
  );
}

describe('temporal test environments', () => {
  it('time-skipping test server skips a one-day sleep', async () => {
    const env = await startTimeSkipping();
    try {
      const started = Date.now();
      expect(await runIn(env, 'helloAfterADay')).toBe('hello, nhi');
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      await env.teardown();
    }
  });

  it('local dev server from the installed CLI runs a workflow', async () => {
    const env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: temporalCliPath() }, ip: '127.0.0.1' },
    });
    try {
      expect(await runIn(env, 'hello')).toBe('hello, nhi');
    } finally {
      await env.teardown();
    }
  });
});
