// The configuration an identity is assessed under: the policy file (accounts, rules, …) and the team actions the
// registry holds for the policy's rules (their queues and registrations: a worker re-registers when it starts).
// A refusal made because of configuration re-arms when this changes (risk/proposals.ts reopenedBy). Pure.
import { hashOf } from './signed-decision.ts';

export interface TeamActionRegistration {
  name: string;
  taskQueue: string;
  registeredAt?: string;
}

/** `config:<hex>`; the same policy and registrations (in any order) give the same hash. */
export function configHashOf(policyHash: string, teamActions: readonly TeamActionRegistration[]): string {
  const actions = [...teamActions]
    .map((a) => ({ name: a.name, taskQueue: a.taskQueue, registeredAt: a.registeredAt ?? '' }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return `config:${hashOf({ policy: policyHash, teamActions: actions })}`;
}
