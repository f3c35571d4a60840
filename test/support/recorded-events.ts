// The activities a time-skipping workflow test stubs the same way: enforcement events recorded in memory (the test
// reads them), visibility not indexed, evidence archiving not part of the test.
import type { EventInput } from '../../activities/events/publish.ts';
import type { Activities } from '../../activities/index.ts';

export function recordedEvents(
  published: EventInput[],
): Pick<Activities, 'publishEnforcementEvent' | 'identityVisibility' | 'archiveEvidence'> {
  return {
    publishEnforcementEvent: async (event) => {
      published.push(event);
      return `event-${published.length}`;
    },
    identityVisibility: async () => ({ searchAttributes: [], memo: false }),
    archiveEvidence: async () => {
      throw new Error('not part of this test');
    },
  };
}
