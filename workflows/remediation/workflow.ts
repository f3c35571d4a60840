// plan → [approval gate] → act → verify → record → have the changed identities re-assessed. Started as a child
// of an identity workflow with an id keyed by the identity the action changes, so a decision taken twice (or by
// two proposers) still acts once. An outcome without an act (refused, not applicable, nothing to do) is its own
// status and event, never `executed`.
import {
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';
import { identityWorkflowId, reassessSignal } from '../identity/definitions.ts';
import { approvalRefusal } from './approval-rules.ts';
import {
  approveUpdate,
  DEFAULT_APPROVAL_TIMEOUT_MS,
  type RemediationInput,
  type RemediationState,
  rejectUpdate,
  remediationQuery,
} from './definitions.ts';

const { planRemediation, executeRemediation, verifyRemediation, publishEnforcementEvent } =
  proxyActivities<Activities>({
    startToCloseTimeout: '2 minutes',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10 },
  });

export async function remediationWorkflow(input: RemediationInput): Promise<RemediationState> {
  const state: RemediationState = { status: 'planning', input, approvals: [] };
  const now = () => new Date().toISOString();
  const record = (
    type: Parameters<typeof publishEnforcementEvent>[0]['type'],
    detail: Record<string, unknown>,
  ) =>
    publishEnforcementEvent({
      type,
      identityKey: input.identity.key,
      findingIds: input.findingIds,
      detail: {
        action: input.action,
        ruleId: input.ruleId,
        ...(input.target ? { target: input.target } : {}),
        ...(input.policyHash ? { policyHash: input.policyHash } : {}),
        ...detail,
      },
    });

  setHandler(remediationQuery, () => state);
  setHandler(
    approveUpdate,
    ({ by, reason }) => {
      state.approvals.push({ by, reason, at: now() });
      return state;
    },
    {
      validator: (approval) => {
        const refusal = approvalRefusal(state, approval);
        if (refusal) throw new Error(refusal);
      },
    },
  );
  setHandler(
    rejectUpdate,
    ({ by, reason }) => {
      state.rejection = { by, reason, at: now() };
      return state;
    },
    {
      validator: (rejection) => {
        if (!rejection.by?.trim() || !rejection.reason?.trim())
          throw new Error('a rejection must name who rejects and why');
        if (state.status !== 'awaiting-approval')
          throw new Error(`this remediation is ${state.status}, not awaiting approval`);
      },
    },
  );

  state.plan = await planRemediation(input);
  await record('remediation.planned', { plan: state.plan, mode: input.mode, reasons: input.reasons });
  if (state.plan.refused) {
    state.status = 'refused';
    await record('remediation.refused', { reason: state.plan.refused, account: state.plan.account });
    return state;
  }
  if (state.plan.notApplicable) {
    state.status = 'not-applicable';
    await record('remediation.not-applicable', { reason: state.plan.notApplicable });
    return state;
  }
  if (input.dryRun) {
    state.status = 'dry-run';
    state.outcome = state.plan.noop ? { noop: state.plan.noop } : undefined;
    return state;
  }
  if (state.plan.noop) {
    state.status = 'noop';
    state.outcome = { noop: state.plan.noop };
    await record('remediation.noop', { reason: state.plan.noop });
    return state;
  }

  if (input.mode === 'approval') {
    state.status = 'awaiting-approval';
    const required = input.approval?.required ?? 1;
    const decided = await condition(
      () => state.rejection !== undefined || state.approvals.length >= required,
      input.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
    );
    if (!decided) {
      state.status = 'expired';
      await record('remediation.rejected', { expired: true });
      return state;
    }
    if (state.rejection) {
      state.status = 'rejected';
      await record('remediation.rejected', { rejection: state.rejection });
      return state;
    }
    await record('remediation.approved', { approvals: state.approvals });
  }

  state.status = 'acting';
  try {
    state.outcome = await executeRemediation(state.plan);
    state.verification = await verifyRemediation(state.plan);
  } catch (error) {
    state.status = 'failed';
    await record('remediation.failed', { error: (error as Error).message });
    await reassessChanged(input, state.plan.affects);
    throw ApplicationFailure.nonRetryable(`remediation ${input.action} failed: ${(error as Error).message}`);
  }
  state.status = state.verification.ok ? 'executed' : 'failed';
  await record(state.verification.ok ? 'remediation.executed' : 'remediation.failed', {
    outcome: state.outcome,
    verification: state.verification,
  });
  await reassessChanged(input, state.plan.affects);
  return state;
}

/** The proposer and the identities the action changed are assessed again now, not at their next finding. */
async function reassessChanged(input: RemediationInput, affects: string[] = []): Promise<void> {
  const keys = [...new Set([input.identity.key, input.target ?? input.identity.key, ...affects])];
  for (const key of keys) {
    try {
      await getExternalWorkflowHandle(identityWorkflowId(key)).signal(reassessSignal, {
        remediationWorkflowId: workflowInfo().workflowId,
        action: input.action,
      });
    } catch (error) {
      // No workflow for it (a user no finding named yet): nothing is shown for it that could be stale.
      log.info('identity not re-assessed', { key, error: (error as Error).message });
    }
  }
}
