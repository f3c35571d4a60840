// Messages of the action registry: one entity workflow per deployment (task queue) keeps the team actions that
// were registered, so registering needs no restart and no database of our own. Shared by the workflow, the kit's
// worker (registers at start-up), the remediation's resolve activity, `nhi actions` and tests.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { RegisteredAction, RegisteredActionInput } from '../../schemas/action-contract.ts';
import type { RefusedMessage } from '../../schemas/refused-message.ts';
import { hashOf, type SignedDecision } from '../../schemas/signed-decision.ts';

/** One registry per deployment (the task queue its workers poll), like the enforcement control. */
export const registryWorkflowId = (taskQueue: string): string => `action-registry/${taskQueue}`;
export const REGISTRY_WORKFLOW_TYPE = 'actionRegistryWorkflow';

export interface RegistryInput {
  /** Carried over by continue-as-new. */
  actions?: RegisteredAction[];
  refusedMessages?: RefusedMessage[];
  nonces?: string[];
}

/**
 * A registration: the action's contract and a signed decision `register` over registrationTerms(action), by a
 * member of the team's own group (the name before the `/`) or of the policy's registrants (default security). A
 * team worker signs with its service key: a directory entry in the team's group, so it registers its own team's
 * actions only. Histories from before signing carry `by` instead, which only their old code path reads.
 */
export interface RegisterRequest {
  action: RegisteredActionInput;
  signed: SignedDecision;
}

/** A removal: a signed decision `remove` over removalTerms(name), by the same groups. */
export interface RemoveRequest {
  name: string;
  signed: SignedDecision;
}

/** The registry is one entity across its runs (continue-as-new): decisions name it by id, and this as its run. */
export const REGISTRY_RUN = 'registry';
/** What a registration is signed over: its whole content (queue, risk, schema, timeouts). */
export const registrationTerms = (action: RegisteredActionInput): string => hashOf({ register: action });
export const removalTerms = (name: string): string => hashOf({ remove: name });

/** What `nhi actions` shows besides the actions: registrations and removals it refused. */
export const refusedRegistrationsQuery = defineQuery<RefusedMessage[]>('refusedRegistrations');

/** Registers (or replaces) an action; refused with one line when the registration is not valid. */
export const registerActionUpdate = defineUpdate<RegisteredAction, [RegisterRequest]>('registerAction');
/** Removes an action; refused when it is not registered. */
export const removeActionUpdate = defineUpdate<RegisteredAction, [RemoveRequest]>('removeAction');
export const registeredActionsQuery = defineQuery<RegisteredAction[]>('actions');
