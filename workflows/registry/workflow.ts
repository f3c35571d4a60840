// The action registry: team actions by name, changed only through signed decisions (a registration or removal
// signed by the team's own group or the policy's registrants; a refused one leaves the registry as it was and is
// recorded), read by query. A built-in action's name is never taken. Continues as new with its state when the
// history grows.
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setHandler,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';
import { parseRegisteredAction, type RegisteredAction } from '../../schemas/action-contract.ts';
import {
  claimedPerson,
  personEntry,
  rememberNonce,
  SIGNED_DECISIONS_V2,
  signedDecisionRefusal,
} from '../../schemas/decision-check.ts';
import { canonicalPerson, type DirectorySnapshot } from '../../schemas/directory.ts';
import { DEFAULT_DECISIONS, isBuiltinAction } from '../../schemas/policy.ts';
import { REFUSED_MEMO_KEY, type RefusedMessage, recordRefusal } from '../../schemas/refused-message.ts';
import { refusingCancel, shielded } from '../cancel-refusal.ts';
import {
  REGISTRY_RUN,
  type RegistryInput,
  refusedRegistrationsQuery,
  registerActionUpdate,
  registeredActionsQuery,
  registrationTerms,
  removalTerms,
  removeActionUpdate,
} from './definitions.ts';

const { loadDirectory } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '20 seconds', maximumAttempts: 10 },
});

/** Who may change team `team`'s actions: its own group, or the policy's registrants. Pure. */
export function registrantRefusal(
  directory: DirectorySnapshot,
  signed: unknown,
  expect: { workflowId: string; planHash: string; act: 'register' | 'remove'; name: string },
  fresh: { nowMs: number; seenNonces: readonly string[] },
): string | undefined {
  const name = expect.name;
  if (isBuiltinAction(name))
    return `${name} is a built-in action: its name can never be registered or removed`;
  const bad = signedDecisionRefusal(
    directory,
    signed,
    {
      workflowId: expect.workflowId,
      runId: REGISTRY_RUN,
      planHash: expect.planHash,
      decisions: [expect.act],
      termsRefusal: `signed over another ${expect.act === 'register' ? 'registration (queue, risk, schema)' : 'removal'}`,
    },
    fresh,
  );
  if (bad) return bad;
  const team = name.split('/')[0] ?? '';
  const groups = [team, ...(directory.roles?.registrants ?? DEFAULT_DECISIONS.registrants)];
  const person = canonicalPerson((signed as { person: string }).person);
  if (!personEntry(directory, person)!.groups.some((g) => groups.includes(g)))
    return `${person} may not ${expect.act} ${name}: only team ${team}'s group or ${groups.slice(1).join(', ')} (policy decisions.registrants)`;
  return undefined;
}

export async function actionRegistryWorkflow(input: RegistryInput = {}): Promise<void> {
  const actions = new Map<string, RegisteredAction>((input.actions ?? []).map((a) => [a.name, a]));
  let refusedMessages: RefusedMessage[] = input.refusedMessages ?? [];
  const nonces: string[] = [...(input.nonces ?? [])];
  const now = () => new Date().toISOString();

  /**
   * Records a refusal (state, memo, history) and refuses the update with it. Who it claims to be: the signer, else
   * the `by` an unsigned request names (a claim, recorded as one).
   */
  const refuse = (message: string, request: unknown, reason: string): never => {
    const { signed } = (request ?? {}) as { signed?: unknown };
    refusedMessages = recordRefusal(refusedMessages, {
      at: now(),
      message,
      claimedBy: claimedPerson(signed ?? request),
      reason,
    });
    upsertMemo({ [REFUSED_MEMO_KEY]: refusedMessages });
    throw ApplicationFailure.create({ message: `${message} refused: ${reason}`, nonRetryable: true });
  };

  setHandler(registeredActionsQuery, () =>
    [...actions.values()].sort((a, b) => a.name.localeCompare(b.name)),
  );
  setHandler(refusedRegistrationsQuery, () => refusedMessages);
  // No validators on the signed path: a validator's refusal leaves no trace in history.
  setHandler(
    registerActionUpdate,
    shielded(async (request) => {
      const { action } = request ?? {};
      const parsed = parseRegisteredAction(action);
      if (!patched(SIGNED_DECISIONS_V2)) {
        // Recorded before registrations were signed: replays as it ran (its validator had accepted it).
        const by = (request as unknown as { by: string }).by;
        if (!parsed.ok) throw new Error(parsed.error);
        const entry = { ...parsed.action, registeredAt: now(), registeredBy: by };
        actions.set(entry.name, entry);
        return entry;
      }
      const name = String((action as { name?: unknown } | undefined)?.name ?? '?');
      if (!parsed.ok) return refuse('registerAction', request, `${name}: ${parsed.error}`);
      const directory = await loadDirectory();
      const refusal = registrantRefusal(
        directory,
        request.signed,
        {
          workflowId: workflowInfo().workflowId,
          planHash: registrationTerms(action),
          act: 'register',
          name: parsed.action.name,
        },
        { nowMs: Date.now(), seenNonces: nonces },
      );
      if (refusal) return refuse('registerAction', request, refusal);
      rememberNonce(nonces, request.signed);
      const entry = {
        ...parsed.action,
        registeredAt: now(),
        registeredBy: canonicalPerson(request.signed.person),
      };
      actions.set(entry.name, entry);
      return entry;
    }),
  );
  setHandler(
    removeActionUpdate,
    shielded(async (request) => {
      const name = String(request?.name ?? '?');
      if (!patched(SIGNED_DECISIONS_V2)) {
        const entry = actions.get(name)!;
        actions.delete(name);
        return entry;
      }
      if (!actions.has(name))
        return refuse('removeAction', request, `no team action '${name}' is registered`);
      const directory = await loadDirectory();
      const refusal = registrantRefusal(
        directory,
        request.signed,
        { workflowId: workflowInfo().workflowId, planHash: removalTerms(name), act: 'remove', name },
        { nowMs: Date.now(), seenNonces: nonces },
      );
      if (refusal) return refuse('removeAction', request, refusal);
      rememberNonce(nonces, request.signed);
      const entry = actions.get(name)!;
      actions.delete(name);
      return entry;
    }),
  );

  // A cancel request is refused and recorded like any unsigned message; the registry goes on.
  const holder = {
    get refusedMessages() {
      return refusedMessages;
    },
    set refusedMessages(list: RefusedMessage[] | undefined) {
      refusedMessages = list ?? [];
    },
  };
  await refusingCancel(
    'action registry',
    () => holder,
    async () => {
      await condition(() => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > 2000);
      await condition(allHandlersFinished);
    },
  );
  await continueAsNew<typeof actionRegistryWorkflow>({
    actions: [...actions.values()],
    ...(refusedMessages.length ? { refusedMessages } : {}),
    ...(nonces.length ? { nonces } : {}),
  });
}
