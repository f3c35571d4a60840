// The contract of a team's remediation action, in the form the action registry stores (JSON): who owns it, what it
// acts on, which parameters it takes (as JSON Schema, published from the team's zod schema), where its worker polls
// and how long each phase may take. The kit (kit/actions.ts) builds it from `defineAction`; `nhi actions register
// FILE` reads it. Pure: workflow code may import it.
import { z } from 'zod';
import { type IdentityRef, IdentityType } from './identity.ts';

/** `team/verb`: the team that owns it, then what it does (`payments/rotate-stripe-key`). */
export const TEAM_ACTION_NAME = /^[a-z][a-z0-9-]*\/[a-z][a-z0-9-]*$/;
export const isTeamActionName = (name: string): boolean => TEAM_ACTION_NAME.test(name);

/** The phases a team worker serves, each an activity named `<action>:<phase>` on the team's task queue. */
export const ACTION_PHASES = ['plan', 'act', 'verify', 'rollback', 'verify-rollback'] as const;
export type ActionPhase = (typeof ACTION_PHASES)[number];
export const teamActivityName = (action: string, phase: ActionPhase) => `${action}:${phase}`;

/** Temporal's duration strings: `500ms`, `30s`, `5m`, `2h`. */
const TemporalDuration = z
  .string()
  .regex(/^[1-9]\d{0,6}(ms|s|m|h)$/, { message: 'must be a duration such as 30s, 5m or 2h' });

export const ActionTimeouts = z.strictObject({
  /**
   * How long a phase waits for the team's worker to pick it up. Past it, the remediation publishes
   * `remediation.waiting-for-worker` and the rule's `onNoWorker` says what then (wait again, or fail).
   */
  scheduleToStart: TemporalDuration.default('5m'),
  /** How long one attempt of a phase may run. */
  startToClose: TemporalDuration.default('2m'),
  /** A worker killed mid-phase is noticed within this (the kit heartbeats at each step). */
  heartbeat: TemporalDuration.default('15s'),
});
export type ActionTimeouts = z.infer<typeof ActionTimeouts>;

export const ActionRetry = z.strictObject({
  maximumAttempts: z.int().min(1).max(100).default(10),
  initialInterval: TemporalDuration.default('1s'),
  maximumInterval: TemporalDuration.default('1m'),
});
export type ActionRetry = z.infer<typeof ActionRetry>;

export const RegisteredAction = z.strictObject({
  name: z
    .string()
    .regex(TEAM_ACTION_NAME, { message: 'must be "team/verb" (lowercase letters, digits, dashes)' }),
  description: z.string().min(1).max(500),
  /** Identity types a rule may send it; the policy check and the remediation refuse any other. */
  identityTypes: z.array(IdentityType).min(1),
  /** JSON Schema (draft 2020-12) of the rule's `params`, as the team's zod schema publishes it. */
  parameters: z.record(z.string(), z.unknown()),
  /** Whether it has a rollback phase that restores the pre-state. */
  reversible: z.boolean(),
  risk: z.enum(['low', 'medium', 'high']),
  /** The owning team: the name's prefix. */
  team: z.string().min(1),
  /** The task queue the team's worker polls. */
  taskQueue: z.string().min(1).max(200),
  timeouts: ActionTimeouts.prefault({}),
  retry: ActionRetry.prefault({}),
  /** Set by the registry: when and by whom (CLI user or worker identity) it was registered. */
  registeredAt: z.string().optional(),
  registeredBy: z.string().optional(),
});
export type RegisteredAction = z.infer<typeof RegisteredAction>;
export type RegisteredActionInput = z.input<typeof RegisteredAction>;

/** One readable line for a zod error: `path: message; path: message`. */
export function issuesLine(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? `${i.path.map(String).join('.')}: ` : ''}${i.message}`)
    .concat(issues.length > 3 ? [`(and ${issues.length - 3} more)`] : [])
    .join('; ');
}

/** A registration as the registry keeps it, or one line saying what is wrong. */
export function parseRegisteredAction(
  value: unknown,
): { ok: true; action: RegisteredAction } | { ok: false; error: string } {
  const parsed = RegisteredAction.safeParse(value);
  if (!parsed.success) return { ok: false, error: issuesLine(parsed.error.issues) };
  const action = parsed.data;
  const team = action.name.split('/')[0];
  if (action.team !== team) return { ok: false, error: `team: must be '${team}', the name's prefix` };
  try {
    z.fromJSONSchema(action.parameters as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (error) {
    return { ok: false, error: `parameters: not a usable JSON Schema: ${(error as Error).message}` };
  }
  return { ok: true, action };
}

/**
 * Why `params` do not fit the action's published parameter schema (one line), or undefined. The same check runs in
 * `nhi policy check` and when a remediation resolves the action; the team's worker checks its own zod schema again.
 */
export function paramsProblem(action: RegisteredAction, params: unknown): string | undefined {
  const schema = z.fromJSONSchema(action.parameters as Parameters<typeof z.fromJSONSchema>[0]);
  const parsed = schema.safeParse(params ?? {});
  return parsed.success ? undefined : issuesLine(parsed.error.issues);
}

/** What every phase activity of a team action receives (one object, so a phase can grow without breaking others). */
export interface TeamPhaseInput {
  action: string;
  /** The remediation workflow's id: derive idempotency tokens from it (a retried act must not act twice). */
  remediationId: string;
  identity: IdentityRef;
  params: Record<string, unknown>;
  /** Every phase after plan gets the plan… */
  plan?: TeamPlanResult & { action: string; identityKey: string };
  /** …and verify, rollback and verify-rollback what act returned. */
  outcome?: Record<string, unknown>;
}

/** What a team's plan phase returns; the remediation adds the action, the identity and the rollback terms. */
export interface TeamPlanResult {
  steps: Array<{ api: string; target: string; detail: Record<string, string> }>;
  /** Nothing to do (already in the planned state): never reported as executed. */
  noop?: string;
  /** The action cannot act on this identity. */
  notApplicable?: string;
  /** The team's worker may not act here (not its account, not its database). */
  refused?: string;
  /** The account it acts in, for per-account rate limits. */
  account?: string;
  /** How a rollback restores the pre-state (reversible actions), or why this one cannot be undone. */
  rollbackHow?: string;
}

/** Why a team action cannot run for this identity with these parameters (one line), or the registered action. */
export function teamActionProblem(
  registered: readonly RegisteredAction[],
  name: string,
  identityType: IdentityType | undefined,
  params: unknown,
): { ok: true; action: RegisteredAction } | { ok: false; reason: string } {
  const action = registered.find((a) => a.name === name);
  if (!action)
    return {
      ok: false,
      reason: `unknown action '${name}': no team action of that name is registered${registered.length ? ` (registered: ${registered.map((a) => a.name).join(', ')})` : ''}`,
    };
  if (identityType && !action.identityTypes.includes(identityType))
    return {
      ok: false,
      reason: `${name} does not act on ${identityType} (only ${action.identityTypes.join(', ')})`,
    };
  const problem = paramsProblem(action, params);
  if (problem) return { ok: false, reason: `${name}: params do not fit its schema: ${problem}` };
  return { ok: true, action };
}
