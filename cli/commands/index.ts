// Every `nhi` subcommand, in the order `nhi --help` lists them.
import type { Command } from '../command.ts';
import { actionsCommand } from './actions.ts';
import { benchCommand } from './bench.ts';
import { codecServerCommand } from './codec-server.ts';
import { approveCommand, rejectCommand } from './decide.ts';
import { demoCommand } from './demo.ts';
import { dlqCommand } from './dlq.ts';
import { doctorCommand } from './doctor.ts';
import { enforcementCommand } from './enforcement.ts';
import { evidenceCommand } from './evidence.ts';
import { exceptCommand } from './except.ts';
import { exceptionsCommand } from './exceptions.ts';
import { identitiesCommand } from './identities.ts';
import { identityCommand } from './identity.ts';
import { ingestCommand } from './ingest.ts';
import { keysCommand } from './keys.ts';
import { normalizeCommand } from './normalize.ts';
import { pendingCommand } from './pending.ts';
import { policyCommand } from './policy.ts';
import { remediationCommand } from './remediation.ts';
import { requestCommand } from './request.ts';
import { revokeCommand } from './revoke.ts';
import { rollbackCommand } from './rollback.ts';
import { runCommand } from './run.ts';
import { stackCommand } from './stack.ts';

export const commands: Command[] = [
  demoCommand,
  stackCommand,
  normalizeCommand,
  ingestCommand,
  dlqCommand,
  runCommand,
  identitiesCommand,
  identityCommand,
  rollbackCommand,
  remediationCommand,
  policyCommand,
  doctorCommand,
  actionsCommand,
  keysCommand,
  pendingCommand,
  approveCommand,
  rejectCommand,
  exceptCommand,
  exceptionsCommand,
  requestCommand,
  revokeCommand,
  enforcementCommand,
  evidenceCommand,
  benchCommand,
  codecServerCommand,
];
