// The action registry: team actions by name, changed only through validated updates (a refused registration
// leaves the registry as it was), read by query. Continues as new with its state when the history grows.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { parseRegisteredAction, type RegisteredAction } from '../../schemas/action-contract.ts';
import {
  type RegistryInput,
  registerActionUpdate,
  registeredActionsQuery,
  removeActionUpdate,
} from './definitions.ts';

export async function actionRegistryWorkflow(input: RegistryInput = {}): Promise<void> {
  const actions = new Map<string, RegisteredAction>((input.actions ?? []).map((a) => [a.name, a]));

  setHandler(registeredActionsQuery, () =>
    [...actions.values()].sort((a, b) => a.name.localeCompare(b.name)),
  );
  setHandler(
    registerActionUpdate,
    ({ action, by }) => {
      const parsed = parseRegisteredAction(action);
      if (!parsed.ok) throw new Error(parsed.error); // the validator already refused; never reached
      const entry = { ...parsed.action, registeredAt: new Date().toISOString(), registeredBy: by };
      actions.set(entry.name, entry);
      return entry;
    },
    {
      validator: ({ action, by }) => {
        if (typeof by !== 'string' || !by.trim()) throw new Error('a registration must say who registers it');
        const parsed = parseRegisteredAction(action);
        if (!parsed.ok)
          throw new Error(`${(action as { name?: string })?.name ?? 'action'}: ${parsed.error}`);
      },
    },
  );
  setHandler(
    removeActionUpdate,
    ({ name }) => {
      const entry = actions.get(name)!;
      actions.delete(name);
      return entry;
    },
    {
      validator: ({ name }) => {
        if (!actions.has(name)) throw new Error(`no team action '${name}' is registered`);
      },
    },
  );

  await condition(() => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > 2000);
  await condition(allHandlersFinished);
  await continueAsNew<typeof actionRegistryWorkflow>({ actions: [...actions.values()] });
}
