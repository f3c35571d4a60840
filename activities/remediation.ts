// Remediation activities: look the action up by name and run its plan / execute / verify step.
import { ApplicationFailure } from '@temporalio/activity';
import type { RemediationInput, RemediationPlan } from '../workflows/remediation/definitions.ts';
import type { RemediationAction } from './actions/action.ts';
import { actionNamed } from './actions/registry.ts';
import type { AwsClients } from './aws/clients.ts';

function lookup(name: string, actions: readonly RemediationAction[]): RemediationAction {
  try {
    return actionNamed(name, actions);
  } catch (error) {
    // Retrying cannot make an unknown action known.
    throw ApplicationFailure.nonRetryable((error as Error).message, 'UnknownAction');
  }
}

export function createRemediationActivities(aws: AwsClients, actions: readonly RemediationAction[]) {
  return {
    async planRemediation(input: RemediationInput): Promise<RemediationPlan> {
      const action = lookup(input.action, actions);
      if (!action.appliesTo.includes(input.identity.type)) {
        return {
          action: input.action,
          identityKey: input.identity.key,
          steps: [],
          noop: `${input.action} does not apply to ${input.identity.type}`,
        };
      }
      return action.plan(input.identity, aws);
    },
    executeRemediation: (plan: RemediationPlan) => lookup(plan.action, actions).execute(plan, aws),
    verifyRemediation: (plan: RemediationPlan) => lookup(plan.action, actions).verify(plan, aws),
  };
}
