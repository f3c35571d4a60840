// The kit a platform team imports (`nhi-enforce/actions`) to run its own remediation action: `defineAction` states
// the contract (name, identity types, a zod schema for the rule's params, phases plan → act → verify and optional
// rollback) and `runActionWorker` runs the team's Temporal worker on the team's task queue, with the team's
// credentials and network, and registers the actions with the deployment's registry at start-up. The enforcer runs
// each phase as the activity `<name>:<phase>` on that queue, under all of its own safety (plan hash, approvals,
// exceptions, brakes, protected identities, rollback window, events, evidence).
import { readFileSync } from 'node:fs';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { type Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { type NativeConnection, Worker } from '@temporalio/worker';
import { z } from 'zod';
import { type RegistrySigner, registerAction } from '../activities/action-registry.ts';
import { crashIfAsked } from '../activities/actions/crash-hook.ts';
import { endpoints } from '../infra/endpoints.ts';
import { temporalClient, temporalDataConverter, temporalWorkerConnection } from '../runtime/connections.ts';
import { installQuietRuntime } from '../runtime/worker.ts';
import {
  type ActionRetry,
  type ActionTimeouts,
  issuesLine,
  type RegisteredAction,
  type RegisteredActionInput,
  TEAM_ACTION_NAME,
  type TeamPhaseInput,
  type TeamPlanResult,
  teamActivityName,
} from '../schemas/action-contract.ts';
import type { IdentityRef, IdentityType } from '../schemas/identity.ts';
import { fingerprint, fingerprintKeyFromEnv } from '../schemas/redaction.ts';
import { TASK_QUEUE } from '../workflows/identity/definitions.ts';

export type { IdentityRef, IdentityType, RegisteredAction, TeamPlanResult };
export { z };

export interface Verification {
  ok: boolean;
  detail: string;
}

/** What plan gets: the identity (as the enforcer knows it: key, type, name; never a secret) and the parsed params. */
export interface PlanContext<P> {
  identity: IdentityRef;
  params: P;
  remediationId: string;
}

/** What act and rollback get besides: the plan, and `step` to call at each step boundary (heartbeat). */
export interface ActContext<P> extends PlanContext<P> {
  plan: NonNullable<TeamPhaseInput['plan']>;
  /** Heartbeats (a killed worker is noticed within the heartbeat timeout and the phase retried elsewhere). */
  step(name: string): void;
}

export interface VerifyContext<P> extends PlanContext<P> {
  plan: NonNullable<TeamPhaseInput['plan']>;
  /** What act returned. It is kept in Temporal history and evidence: ids and versions, never a secret. */
  outcome: Record<string, unknown>;
}

export interface ActionDefinition<S extends z.ZodType> {
  /** `team/verb`: the team that owns it, then what it does. */
  name: string;
  description: string;
  identityTypes: IdentityType[];
  /** The rule's `params`: published as JSON Schema at registration, checked again here before plan. */
  parameters: S;
  risk: 'low' | 'medium' | 'high';
  timeouts?: Partial<ActionTimeouts>;
  retry?: Partial<ActionRetry>;
  /** Read-only: what act would do (steps), or why nothing (noop, notApplicable, refused). */
  plan(ctx: PlanContext<z.output<S>>): Promise<TeamPlanResult>;
  /**
   * Carries the plan out. It may run again after a crash at any point: make it idempotent (check-then-act, or an
   * idempotency token derived from `remediationId`). Returns what rollback needs (ids, versions; never a secret).
   */
  act(ctx: ActContext<z.output<S>>): Promise<Record<string, unknown>>;
  /** Proves the effect (not that a call returned); also the follow-up's re-check for drift. */
  verify(ctx: VerifyContext<z.output<S>>): Promise<Verification>;
  /** Restores the pre-state act recorded; with it the action is registered as reversible. */
  rollback?(
    ctx: ActContext<z.output<S>> & { outcome: Record<string, unknown> },
  ): Promise<Record<string, unknown>>;
  /** Proves the pre-state is back (required with rollback). */
  verifyRollback?(ctx: VerifyContext<z.output<S>>): Promise<Verification>;
}

export type DefinedAction = ActionDefinition<z.ZodType> & { readonly team: string };

/**
 * Whether a scanner's `secret` identity is one of `candidates` (values the team's worker read where they live):
 * the identity carries only the leak's keyed fingerprint (its key ends with the first 16 hex characters), so each
 * candidate is fingerprinted with the same key (NHI_FINGERPRINT_KEY, as the normaliser's) and compared. No value
 * leaves the worker.
 */
export function isLeakedValue(identity: IdentityRef, candidates: readonly string[]): boolean {
  if (identity.type !== 'secret') return false;
  const prefix = identity.key.split(':').at(-1) ?? '';
  if (!/^[0-9a-f]{16}$/.test(prefix)) return false;
  const key = fingerprintKeyFromEnv();
  return candidates.some((value) => value !== '' && fingerprint(value, key).startsWith(prefix));
}

/** Checks the definition now (a bad name or a rollback without its check fails at import, not at the first run). */
export function defineAction<S extends z.ZodType>(definition: ActionDefinition<S>): DefinedAction {
  if (!TEAM_ACTION_NAME.test(definition.name))
    throw new Error(
      `action name '${definition.name}' must be "team/verb" (lowercase letters, digits, dashes)`,
    );
  if (Boolean(definition.rollback) !== Boolean(definition.verifyRollback))
    throw new Error(`${definition.name}: rollback and verifyRollback come together`);
  return { ...(definition as unknown as ActionDefinition<z.ZodType>), team: definition.name.split('/')[0]! };
}

/** The registry's form of an action served on `taskQueue`: what `nhi actions register FILE` reads, as JSON. */
export function registrationOf(action: DefinedAction, taskQueue: string): RegisteredActionInput {
  return {
    name: action.name,
    description: action.description,
    identityTypes: action.identityTypes,
    parameters: z.toJSONSchema(action.parameters, { io: 'input' }) as Record<string, unknown>,
    reversible: Boolean(action.rollback),
    risk: action.risk,
    team: action.team,
    taskQueue,
    timeouts: action.timeouts ?? {},
    retry: action.retry ?? {},
  };
}

/** The Temporal activities that serve one action's phases, named `<name>:<phase>`. */
export function activitiesOf(
  action: DefinedAction,
): Record<string, (input: TeamPhaseInput) => Promise<unknown>> {
  const paramsOf = (input: TeamPhaseInput) => {
    const parsed = action.parameters.safeParse(input.params ?? {});
    if (!parsed.success)
      throw ApplicationFailure.nonRetryable(
        `${action.name}: params do not fit its schema: ${issuesLine(parsed.error.issues)}`,
        'InvalidParams',
      );
    return parsed.data;
  };
  const base = (input: TeamPhaseInput) => ({
    identity: input.identity,
    params: paramsOf(input),
    remediationId: input.remediationId,
  });
  const step = (name: string) => {
    Context.current().heartbeat(name);
    crashIfAsked(name);
  };
  const planOf = (input: TeamPhaseInput) => {
    if (!input.plan) throw ApplicationFailure.nonRetryable(`${action.name}: no plan given`, 'NoPlan');
    return input.plan;
  };
  const activities: Record<string, (input: TeamPhaseInput) => Promise<unknown>> = {
    async [teamActivityName(action.name, 'plan')](input) {
      let params: unknown;
      try {
        params = paramsOf(input);
      } catch (error) {
        // The worker's own schema is the truth: params the registry let through are refused, with the reason.
        return { steps: [], refused: (error as Error).message } satisfies TeamPlanResult;
      }
      return action.plan({ identity: input.identity, params, remediationId: input.remediationId });
    },
    [teamActivityName(action.name, 'act')]: (input) =>
      action.act({ ...base(input), plan: planOf(input), step }),
    [teamActivityName(action.name, 'verify')]: (input) =>
      action.verify({ ...base(input), plan: planOf(input), outcome: input.outcome ?? {} }),
  };
  const { rollback, verifyRollback } = action;
  if (rollback && verifyRollback) {
    activities[teamActivityName(action.name, 'rollback')] = (input) =>
      rollback({ ...base(input), plan: planOf(input), outcome: input.outcome ?? {}, step });
    activities[teamActivityName(action.name, 'verify-rollback')] = (input) =>
      verifyRollback({ ...base(input), plan: planOf(input), outcome: input.outcome ?? {} });
  }
  return activities;
}

export interface ActionWorkerOptions {
  actions: DefinedAction[];
  /** The team's own task queue (not the enforcer's). */
  taskQueue: string;
  /** Default: the configured Temporal (NHI_TEMPORAL_ADDRESS, TLS, API key), as every nhi process connects. */
  connection?: NativeConnection;
  /** The enforcer's task queue, whose registry the actions join (default NHI_TASK_QUEUE, else nhi-enforce). */
  registryQueue?: string;
  /**
   * The team's service key that signs the registrations: a directory entry (an email-shaped id, e.g.
   * `svc-dbteam@example.com`) in the team's own group, so it may register its own team's actions only. Default:
   * the key file NHI_SERVICE_KEY_FILE (as `nhi keys new --as svc-…` writes it). Without one nothing registers.
   */
  signer?: RegistrySigner;
}

/** The service key from NHI_SERVICE_KEY_FILE (`{ person, secretKey }`, mode 0600), or undefined. */
export function serviceSignerFromEnv(): RegistrySigner | undefined {
  const file = process.env.NHI_SERVICE_KEY_FILE;
  if (!file) return undefined;
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { person?: unknown; secretKey?: unknown };
  if (typeof parsed.person !== 'string' || typeof parsed.secretKey !== 'string')
    throw new Error(`${file}: not a key file ({ person, secretKey })`);
  return { person: parsed.person, secretKey: parsed.secretKey };
}

export interface ActionWorker {
  worker: Worker;
  /** Resolves once every action is registered (registration is retried until the registry answers). */
  registered: Promise<RegisteredAction[]>;
  /** Resolves when the worker stops. */
  running: Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Runs the team's worker: polls `taskQueue` for the actions' phases, and registers the actions with the registry
 * (retried in the background until the enforcer's worker answers, so either may start first).
 */
export async function runActionWorker(options: ActionWorkerOptions): Promise<ActionWorker> {
  installQuietRuntime();
  const names = new Set<string>();
  for (const a of options.actions) {
    if (names.has(a.name)) throw new Error(`${a.name} is given twice`);
    names.add(a.name);
  }
  const ownConnection = options.connection ? undefined : await temporalWorkerConnection();
  const worker = await Worker.create({
    connection: options.connection ?? ownConnection!,
    namespace: endpoints().temporalNamespace,
    taskQueue: options.taskQueue,
    activities: Object.assign({}, ...options.actions.map(activitiesOf)),
    // Payloads are encrypted with the deployment's keys (NHI_PAYLOAD_KEYS), like every nhi process's.
    dataConverter: await temporalDataConverter(),
  });
  const running = worker.run();
  let stopped = false;
  let client: Client | undefined;
  const registryQueue = options.registryQueue ?? process.env.NHI_TASK_QUEUE ?? TASK_QUEUE;
  const signer = options.signer ?? serviceSignerFromEnv();
  const registered = (async () => {
    if (!signer)
      throw new Error(
        'registration refused: no service key to sign it (options.signer or NHI_SERVICE_KEY_FILE, listed in the directory in the team group)',
      );
    client = await temporalClient();
    const out: RegisteredAction[] = [];
    for (const action of options.actions)
      for (let delay = 1000; ; delay = Math.min(delay * 2, 30_000)) {
        try {
          out.push(
            await registerAction(client, registryQueue, registrationOf(action, options.taskQueue), signer),
          );
          break;
        } catch (error) {
          // A refused registration will not pass by retrying; a registry not answering yet may.
          if (stopped || error instanceof WorkflowUpdateFailedError) {
            const cause = (error as { cause?: { message?: string } }).cause?.message;
            throw new Error(`${action.name}: registration refused${cause ? `: ${cause}` : ''}`);
          }
          await new Promise((r) => setTimeout(r, delay));
        }
      }
    return out;
  })();
  registered.catch(() => undefined);
  return {
    worker,
    registered,
    running,
    async shutdown() {
      stopped = true;
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await ownConnection?.close();
      await client?.connection.close();
    },
  };
}
