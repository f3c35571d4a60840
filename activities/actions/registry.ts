// The actions this worker can carry out, by name (the names policies use).
import type { RemediationAction } from './action.ts';
import { deactivateKey } from './deactivate-key.ts';
import { quarantine, revokeSessions, scopeDown } from './inline-deny.ts';
import { rotateSecret } from './rotate-secret.ts';

export const builtInActions: readonly RemediationAction[] = [
  deactivateKey,
  rotateSecret,
  quarantine,
  revokeSessions,
  scopeDown,
];

export function actionNamed(
  name: string,
  actions: readonly RemediationAction[] = builtInActions,
): RemediationAction {
  const action = actions.find((a) => a.name === name);
  if (!action)
    throw new Error(
      `no remediation action '${name}' is registered (known: ${actions.map((a) => a.name).join(', ')})`,
    );
  return action;
}
