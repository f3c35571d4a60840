// Brings the local stack up once for the integration project (reusing a running one) and, afterwards,
// stops only the services this run started, so a developer's own `nhi stack up` survives `npm test`.
import { installTemporalTestServer } from '../../infra/install/index.ts';
import { stackDown, stackUp } from '../../infra/stack.ts';

const log = (line: string) => process.stderr.write(`[stack] ${line}\n`);

export default async function setup(): Promise<() => Promise<void>> {
  const { started } = await stackUp({ log });
  await installTemporalTestServer(log); // for TestWorkflowEnvironment.createTimeSkipping
  return async () => {
    if (started.length > 0) await stackDown({ only: started, log });
  };
}
