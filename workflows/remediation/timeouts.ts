// Activity options for calls that change AWS: they heartbeat at each step, so a worker killed mid-action is
// noticed within the heartbeat timeout (not the 2-minute start-to-close) and the call is retried; every action
// is safe to run again.
import type { ActivityOptions } from '@temporalio/workflow';

export const ACT_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10 },
};
