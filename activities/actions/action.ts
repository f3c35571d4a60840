// A remediation action: how to plan it (read-only), carry it out, and check that it took. Each action lives in
// its own file and is listed in registry.ts; teams add theirs the same way (or on their own task queue).
import type { IdentityRef } from '../../schemas/identity.ts';
import type { RemediationPlan } from '../../workflows/remediation/definitions.ts';
import type { AwsClients } from '../aws/clients.ts';

export interface RemediationAction {
  name: string;
  description: string;
  /** Identity types it can act on. */
  appliesTo: IdentityRef['type'][];
  plan(identity: IdentityRef, aws: AwsClients): Promise<RemediationPlan>;
  execute(plan: RemediationPlan, aws: AwsClients): Promise<Record<string, unknown>>;
  verify(plan: RemediationPlan, aws: AwsClients): Promise<{ ok: boolean; detail: string }>;
}

export const userNameFromArn = (arn: string): string => arn.split('/').at(-1) ?? arn;
export const roleNameFromArn = userNameFromArn;
