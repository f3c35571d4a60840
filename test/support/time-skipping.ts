// A time-skipping test server of its own, started again when it does not answer in time: the SDK gives its
// process 5 seconds to listen, which a loaded CI machine (several suites starting servers at once) can miss.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { testServerPath } from '../../infra/install/index.ts';

const ATTEMPTS = 3;

export async function startTimeSkipping(): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path: testServerPath() } },
      });
    } catch (error) {
      if (attempt >= ATTEMPTS || !/did not start within/.test(String(error))) throw error;
    }
  }
}
