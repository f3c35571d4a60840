// A remediation plan's identity: what will be done to what. Approvals are bound to it, and a re-plan with another
// hash voids them, so nothing in a plan may change when the identity has not (no clock, no request id).
import { hashOf } from '../../schemas/signed-decision.ts';
import type { RemediationPlan } from './definitions.ts';

export const planHash = (plan: RemediationPlan): string =>
  hashOf({
    action: plan.action,
    identityKey: plan.identityKey,
    account: plan.account,
    steps: plan.steps,
    noop: plan.noop,
    notApplicable: plan.notApplicable,
    refused: plan.refused,
  });
