// Messages of the identity workflow, shared by the workflow, the consumers, the CLI and tests: one name, one place.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Finding } from '../../schemas/finding.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import type { IdentityRecord } from './state.ts';

export const TASK_QUEUE = 'nhi-enforce';

/** One identity, one workflow: the id is derived from the canonical key so every producer finds it. */
export const identityWorkflowId = (key: string): string => `identity/${key}`;

export interface FindingsDelivery {
  /** The identity as the findings name it (type, account, aliases, owner). */
  identity: IdentityRef;
  findings: Finding[];
}

export const findingsSignal = defineSignal<[FindingsDelivery]>('findings');
export const identityQuery = defineQuery<IdentityRecord>('identity');

export interface IdentityWorkflowInput {
  identity: IdentityRef;
  /** Carried over by continue-as-new. */
  state?: IdentityRecord;
}

/** A time-boxed exception: the named action is not taken for this identity until it expires. */
export interface ExceptionRequest {
  action: string;
  /** ISO 8601, no later than the policy's maximum from now. */
  expiresAt: string;
  requestedBy: string;
  approvedBy: string;
  reason: string;
}

export const grantExceptionUpdate = defineUpdate<IdentityRecord, [ExceptionRequest]>('grantException');
