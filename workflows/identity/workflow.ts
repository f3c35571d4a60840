// One long-lived workflow per identity (entity pattern): it receives that identity's findings, keeps its record,
// has it assessed (what it can do, how risky), applies the policy, and starts the remediations the policy names
// as child workflows with deterministic ids. Exceptions pause an action until they expire, by their own timer.

import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';
import { decide, isExceptionLive, remediationWorkflowId } from '../../risk/decide.ts';
import { remediationWorkflow } from '../remediation/workflow.ts';
import {
  findingsSignal,
  grantExceptionUpdate,
  type IdentityWorkflowInput,
  identityQuery,
} from './definitions.ts';
import { exceptionRefusal } from './exception-rules.ts';
import { emptyRecord, IdentityState } from './state.ts';

const { assessIdentity, publishEnforcementEvent } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** Keep each run's history short: replay stays fast and Temporal's limits are never near. */
export const MAX_HISTORY_EVENTS = 2_000;
const REMEDIATION_EPOCH = 0;

export async function identityWorkflow(input: IdentityWorkflowInput): Promise<void> {
  const state = new IdentityState(input.state ?? emptyRecord(input.identity));
  const record = state.record;
  let dirty = false; // new findings, a new exception or one that expired: assess/decide again
  let newFindingIds: string[] = [];
  const now = () => new Date().toISOString();

  setHandler(findingsSignal, ({ identity, findings }) => {
    state.learn(identity);
    const fresh = state.addFindings(findings, now());
    if (fresh.length) {
      newFindingIds.push(...fresh.map((f) => f.id));
      dirty = true;
    }
  });
  setHandler(identityQuery, () => record);
  setHandler(
    grantExceptionUpdate,
    (request) => {
      record.exceptions.push({ ...request, grantedAt: now() });
      dirty = true;
      return record;
    },
    {
      validator: (request) => {
        const refusal = exceptionRefusal(request, record, now());
        if (refusal) throw ApplicationFailure.nonRetryable(refusal);
      },
    },
  );

  const historyIsLong = () =>
    workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > MAX_HISTORY_EVENTS;
  const nextExpiry = () => {
    const t = Date.now();
    const live = record.exceptions.map((e) => Date.parse(e.expiresAt) - t).filter((ms) => ms > 0);
    return live.length ? Math.min(...live) : undefined;
  };

  for (;;) {
    const expiry = nextExpiry();
    const woke = await condition(() => dirty || historyIsLong(), expiry ?? '365 days');
    if (!woke && expiry !== undefined) {
      // An exception ran out: enforcement resumes by itself.
      await publishEnforcementEvent({
        type: 'exception.expired',
        identityKey: record.identity.key,
        detail: {},
      });
      record.exceptions = record.exceptions.filter((e) => isExceptionLive(e, now()));
      dirty = true;
    }
    if (dirty) {
      dirty = false;
      const findingIds = newFindingIds;
      newFindingIds = [];
      await assessAndEnforce(state, findingIds);
      continue;
    }
    if (historyIsLong()) {
      await condition(allHandlersFinished);
      if (!dirty) await continueAsNew<typeof identityWorkflow>({ identity: record.identity, state: record });
    }
  }
}

async function assessAndEnforce(state: IdentityState, findingIds: string[]): Promise<void> {
  const record = state.record;
  const open = state.openFindings();
  record.assessment = await assessIdentity({ identity: record.identity, findings: open });
  const { risk, policy } = record.assessment;
  const at = new Date().toISOString();
  const decisions = decide(policy, {
    identity: { key: record.identity.key, type: record.identity.type },
    risk,
    openFindingKinds: [...new Set(open.map((f) => f.kind))],
    exceptions: record.exceptions,
    startedActions: record.remediations.map((r) => r.action),
    now: at,
  });
  await publishEnforcementEvent({
    type: 'identity.assessed',
    identityKey: record.identity.key,
    findingIds,
    detail: {
      score: risk.score,
      factors: risk.factors.slice(0, 5),
      decisions: decisions.map((d) => ({ action: d.action, ruleId: d.ruleId, mode: d.mode })),
    },
  });
  for (const d of decisions) {
    const workflowId = remediationWorkflowId(record.identity.key, d.action, REMEDIATION_EPOCH);
    try {
      await startChild(remediationWorkflow, {
        workflowId,
        // The remediation outlives this run (continue-as-new) and must not be cancelled with it.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        args: [
          {
            identity: record.identity,
            action: d.action,
            ruleId: d.ruleId,
            mode: d.mode,
            approval: d.approval,
            reasons: d.reasons,
            findingIds: open.map((f) => f.id).slice(-50),
          },
        ],
      });
    } catch (error) {
      // Same deterministic id already started (by an earlier run of this identity): that is the one remediation.
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
    record.remediations.push({
      action: d.action,
      ruleId: d.ruleId,
      workflowId,
      mode: d.mode,
      reasons: d.reasons,
      startedAt: at,
      score: risk.score,
    });
    await publishEnforcementEvent({
      type: 'remediation.started',
      identityKey: record.identity.key,
      findingIds,
      detail: { action: d.action, ruleId: d.ruleId, mode: d.mode, workflowId, reasons: d.reasons },
    });
  }
}
