// A remediation action: how to plan it (read-only), carry it out, check that it took, and (where it can be) undo
// it. Each action lives in its own file and is listed in registry.ts; teams add theirs the same way (or on their
// own task queue).
import type { IdentityRef } from '../../schemas/identity.ts';
import type { RemediationPlan } from '../../workflows/remediation/definitions.ts';
import type { AwsClients } from '../aws/clients.ts';

/** What execute and rollback get besides the plan. */
export interface ActionContext {
  /** The remediation workflow's id: names what this remediation created and derives its idempotency tokens. */
  remediationId: string;
  /** A step boundary: heartbeats, and lets a test kill the worker here (crash-hook.ts). */
  step(name: string): void;
  /**
   * The moment the remediation acts, fixed by its workflow: a retried attempt and a later re-enforcement get the
   * same one. What depends on the time (revoke-sessions' cut-off) takes it from here, never from the plan, so
   * planning again a moment later makes the same plan. Absent (a direct call): the action's own clock.
   */
  actingAt?: string;
}

export interface Verification {
  ok: boolean;
  detail: string;
}

export interface RemediationAction {
  name: string;
  description: string;
  /** Identity types it can act on. */
  appliesTo: IdentityRef['type'][];
  plan(identity: IdentityRef, aws: AwsClients, input?: PlanContext): Promise<RemediationPlan>;
  /**
   * Carries the plan out. Safe to call again after a crash at any point (check-then-act or the API's idempotency
   * token), and again later to re-enforce after drift. Returns what it did and the pre-state rollback needs.
   */
  execute(plan: RemediationPlan, aws: AwsClients, ctx: ActionContext): Promise<Record<string, unknown>>;
  /** Proves the effect (not just that the call returned); also the re-check that detects drift. */
  verify(plan: RemediationPlan, aws: AwsClients, outcome?: Record<string, unknown>): Promise<Verification>;
  /** Restores the pre-state recorded in `outcome`. Absent: the action cannot be rolled back (see `irreversible`). */
  rollback?(
    plan: RemediationPlan,
    outcome: Record<string, unknown>,
    aws: AwsClients,
    ctx: ActionContext,
  ): Promise<Record<string, unknown>>;
  /** Proves the pre-state is back. */
  verifyRollback?(
    plan: RemediationPlan,
    outcome: Record<string, unknown>,
    aws: AwsClients,
  ): Promise<Verification>;
  /** Why it cannot be rolled back, for actions without rollback. */
  irreversible?: string;
}

/** What the identity's record adds to planning: actions it was seen using. */
export interface PlanContext {
  usedActions?: string[];
  scopeDownStrategy?: 'deny-unused' | 'used-only';
}

export const userNameFromArn = (arn: string): string => arn.split('/').at(-1) ?? arn;
export const roleNameFromArn = userNameFromArn;
