// Messages of the action registry: one entity workflow per deployment (task queue) keeps the team actions that
// were registered, so registering needs no restart and no database of our own. Shared by the workflow, the kit's
// worker (registers at start-up), the remediation's resolve activity, `nhi actions` and tests.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { RegisteredAction, RegisteredActionInput } from '../../schemas/action-contract.ts';

/** One registry per deployment (the task queue its workers poll), like the enforcement control. */
export const registryWorkflowId = (taskQueue: string): string => `action-registry/${taskQueue}`;
export const REGISTRY_WORKFLOW_TYPE = 'actionRegistryWorkflow';

export interface RegistryInput {
  /** Carried over by continue-as-new. */
  actions?: RegisteredAction[];
}

export interface RegisterRequest {
  action: RegisteredActionInput;
  /** Who registers it (a person's name from the CLI, or the team worker's identity). */
  by: string;
}

export interface RemoveRequest {
  name: string;
  by: string;
}

/** Registers (or replaces) an action; refused with one line when the registration is not valid. */
export const registerActionUpdate = defineUpdate<RegisteredAction, [RegisterRequest]>('registerAction');
/** Removes an action; refused when it is not registered. */
export const removeActionUpdate = defineUpdate<RegisteredAction, [RemoveRequest]>('removeAction');
export const registeredActionsQuery = defineQuery<RegisteredAction[]>('actions');
