// Temporal task priority: within a task queue, tasks with a lower priority key are dispatched first (the server's
// keys run 1..5, default 3). Under bulk load the queue holds the workflow and activity tasks of thousands of new
// identity workflows assessing themselves; acting on a leaked or compromised credential must not wait behind them.
// Child workflows and activities inherit the priority of the workflow that starts them.
import type { Priority } from '@temporalio/common';

/** Urgent enforcement: an identity workflow started by an urgent finding, and every remediation (acting). */
export const ENFORCEMENT_PRIORITY: Priority = { priorityKey: 1 };

/** The patch that added the priority to remediation children (histories recorded before it replay without). */
export const ENFORCEMENT_PRIORITY_PATCH = 'enforcement-priority';
