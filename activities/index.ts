// All activities, built by one factory from their clients: tests pass clients pointed at the local stack,
// production passes real AWS and Kafka. Workflows import only the type.
import type { Producer } from 'kafkajs';
import type { RemediationAction } from './actions/action.ts';
import { builtInActions } from './actions/registry.ts';
import { createAssessor } from './assess-identity.ts';
import type { AwsClients } from './aws/clients.ts';
import { createEventPublisher } from './events/publish.ts';
import { createVisibilityCheck } from './identity-visibility.ts';
import { createRemediationActivities } from './remediation.ts';

export interface ActivityDeps {
  aws: AwsClients;
  producer: Producer;
  actions?: readonly RemediationAction[];
  /** Default enforcement.events. */
  eventsTopic?: string;
}

export function createActivities(deps: ActivityDeps) {
  return {
    publishEnforcementEvent: createEventPublisher(deps.producer, deps.eventsTopic),
    assessIdentity: createAssessor(deps.aws),
    identityVisibility: createVisibilityCheck(),
    ...createRemediationActivities(deps.aws, deps.actions ?? builtInActions),
  };
}

export type Activities = ReturnType<typeof createActivities>;
