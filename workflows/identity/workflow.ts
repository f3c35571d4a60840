// One long-lived workflow per identity (entity pattern): it receives that identity's findings, keeps its record,
// observes it in the cloud and reports what it saw. Deterministic: side effects happen only in activities.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';
import type { Finding } from '../../schemas/finding.ts';
import { findingsSignal, type IdentityWorkflowInput, identityQuery } from './definitions.ts';
import { emptyRecord, IdentityState } from './state.ts';

const { observeIdentity, publishEnforcementEvent } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** Keep each run's history short: replay stays fast and the 50k-event limit is never near. */
const MAX_HISTORY_EVENTS = 2_000;

export async function identityWorkflow(input: IdentityWorkflowInput): Promise<void> {
  const state = new IdentityState(input.state ?? emptyRecord(input.identity));
  const pending: Finding[] = [];

  setHandler(findingsSignal, ({ identity, findings }) => {
    state.learn(identity);
    pending.push(...state.addFindings(findings, new Date().toISOString()));
  });
  setHandler(identityQuery, () => state.record);

  const historyIsLong = () =>
    workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > MAX_HISTORY_EVENTS;

  for (;;) {
    await condition(() => pending.length > 0 || historyIsLong());
    if (pending.length > 0) {
      const fresh = pending.splice(0);
      state.record.observations = await observeIdentity(state.record.identity);
      await publishEnforcementEvent({
        type: 'identity.observed',
        identityKey: state.record.identity.key,
        findingIds: fresh.map((f) => f.id),
        observations: state.record.observations,
      });
      continue;
    }
    await condition(allHandlersFinished);
    if (pending.length === 0) {
      await continueAsNew<typeof identityWorkflow>({ identity: state.record.identity, state: state.record });
    }
  }
}
