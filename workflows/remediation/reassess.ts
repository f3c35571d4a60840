// After a change in AWS (an action, a re-enforcement, a rollback): the proposer and the identities it changed are
// assessed again now, not at their next finding, so `nhi identity` shows the score that holds.
import { log } from '@temporalio/workflow';
import { identityWorkflowId, reassessSignal } from '../identity/definitions.ts';
import { sendSealed } from '../service-messages.ts';
import type { RemediationInput } from './definitions.ts';

export async function reassessChanged(
  input: RemediationInput,
  remediationWorkflowId: string,
  affects: string[] = [],
): Promise<void> {
  const keys = [...new Set([input.identity.key, input.target ?? input.identity.key, ...affects])];
  for (const key of keys) {
    try {
      await sendSealed(identityWorkflowId(key), reassessSignal, {
        remediationWorkflowId,
        action: input.action,
      });
    } catch (error) {
      // No workflow for it (a user no finding named yet): nothing is shown for it that could be stale.
      log.info('identity not re-assessed', { key, error: (error as Error).message });
    }
  }
}
