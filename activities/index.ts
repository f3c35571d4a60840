// All activities, built by one factory from their clients: tests pass clients pointed at the local stack,
// production passes real AWS and Kafka. Workflows import only the type.
import type { Producer } from 'kafkajs';
import { createAccessContextActivities } from './access/context.ts';
import { type AssumeRoleSpy, createGrantActivities } from './access/grant.ts';
import { createRegistryActivities } from './action-registry.ts';
import type { RemediationAction } from './actions/action.ts';
import { builtInActions } from './actions/registry.ts';
import { createAssessor } from './assess-identity.ts';
import { createAccountClients } from './aws/account-clients.ts';
import type { AwsClients } from './aws/clients.ts';
import { createDirectoryActivities } from './directory-source.ts';
import { createControlActivities } from './enforcement-control.ts';
import { createEventPublisher } from './events/publish.ts';
import { createEvidenceArchiver } from './evidence-archive.ts';
import { createVisibilityCheck } from './identity-visibility.ts';
import { createPolicySource, type PolicyInForce } from './policy-source.ts';
import { createRemediationActivities } from './remediation.ts';
import { createRescanCheck } from './rescan-check.ts';
import { createServiceSealActivities } from './service-seals.ts';

export interface ActivityDeps {
  aws: AwsClients;
  producer: Producer;
  actions?: readonly RemediationAction[];
  /** Default enforcement.events. */
  eventsTopic?: string;
  /** The policy in force, read again at each use (default: NHI_POLICY_FILE, else policies/default.yaml). */
  policy?: () => PolicyInForce;
  /** Sees each sts:AssumeRole request a grant sends (tests assert the session policy and duration). */
  assumeRoleSpy?: AssumeRoleSpy;
}

export function createActivities(deps: ActivityDeps) {
  const policy = deps.policy ?? createPolicySource();
  // Accounts other than the worker's own come from the policy in force, so adding one needs no restart.
  const accounts = createAccountClients(deps.aws, () => policy().policy.accounts);
  const assessIdentity = createAssessor(deps.aws, { policy, accounts });
  return {
    publishEnforcementEvent: createEventPublisher(deps.producer, deps.eventsTopic),
    assessIdentity,
    ...createAccessContextActivities({ policy, accounts, assess: assessIdentity }),
    ...createGrantActivities(accounts, deps.assumeRoleSpy),
    identityVisibility: createVisibilityCheck(),
    archiveEvidence: createEvidenceArchiver(),
    ...createRemediationActivities(deps.aws, accounts, deps.actions ?? builtInActions),
    ...createDirectoryActivities(),
    ...createControlActivities(),
    ...createServiceSealActivities(),
    ...createRegistryActivities((deps.actions ?? builtInActions).map((a) => a.name)),
    ...createRescanCheck(policy),
  };
}

export type Activities = ReturnType<typeof createActivities>;
