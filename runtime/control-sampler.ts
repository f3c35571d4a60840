// Samples the brakes for the worker's gauges (runtime/worker-metrics.ts): the control workflow's status query,
// on a timer like the consumer's lag (runtime/sampler.ts). No control workflow yet means never paused and
// nothing acted: the gauges say 0.
import type { Client } from '@temporalio/client';
import {
  type ControlStatus,
  controlStatusQuery,
  controlWorkflowId,
} from '../workflows/control/definitions.ts';
import { type Sampler, startSampler } from './sampler.ts';

export const NO_CONTROL_YET: ControlStatus = {
  acknowledged: false,
  inflight: [],
  recentFailures: 0,
  actsLastHour: { total: 0, byAccount: {} },
  held: 0,
};

export async function controlStatus(client: Client, taskQueue: string): Promise<ControlStatus> {
  try {
    return await client.workflow.getHandle(controlWorkflowId(taskQueue)).query(controlStatusQuery);
  } catch (error) {
    if ((error as Error).name === 'WorkflowNotFoundError' || /not found/i.test((error as Error).message))
      return NO_CONTROL_YET;
    throw error;
  }
}

export function startControlSampler(opts: {
  client: Client;
  taskQueue: string;
  intervalMs: number;
  onSample: (status: ControlStatus) => void;
  onError?: (error: Error) => void;
}): Sampler {
  return startSampler({ ...opts, sample: () => controlStatus(opts.client, opts.taskQueue) });
}
