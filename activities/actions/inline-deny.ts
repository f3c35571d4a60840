// Actions that work by putting an inline Deny policy on the user or role: quarantine (deny everything),
// revoke-sessions (deny credentials issued before the moment it executes, AWS's own recipe), scope-down (deny what
// it never used; risk/scope-down.ts). An explicit Deny wins over every Allow. Before writing, the policy of the
// same name (if any) is recorded: rollback puts it back, or deletes ours when there was none.
//
// revoke-sessions' cut-off is not in its plan: a plan holding the time it was made would differ at every re-plan,
// and the remediation voids an approval (and re-plans after a hold) on a changed plan hash. Its plan says "before
// the moment it executes" (EXECUTION_TIME in the document); execute writes the time the workflow fixed when it
// acted (ActionContext.actingAt) and records it in the outcome; verify checks that executed document.
import { isDeepStrictEqual } from 'node:util';
import {
  DeleteRolePolicyCommand,
  DeleteUserPolicyCommand,
  GetRolePolicyCommand,
  GetUserPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { computeReach } from '../../risk/reach.ts';
import { planScopeDown } from '../../risk/scope-down.ts';
import { ACTION_SUPPORT } from '../../schemas/action-support.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import type { PlannedStep, RemediationPlan } from '../../workflows/remediation/definitions.ts';
import { readAccountSnapshot } from '../aws/account-snapshot.ts';
import type { AwsClients } from '../aws/clients.ts';
import { lastAccessedActions } from '../aws/last-accessed.ts';
import { accessKeyOwner } from './access-key-owner.ts';
import { type PlanContext, type RemediationAction, userNameFromArn, type Verification } from './action.ts';

type Principal = { kind: 'user' | 'role'; name: string };

/** Where revoke-sessions' planned document holds the cut-off: filled in with the execution time by execute. */
export const EXECUTION_TIME = '<execution time>';

function revokeOlderSessions(issuedBefore: string) {
  return [
    {
      Sid: 'NhiEnforceRevokeOlderSessions',
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { DateLessThan: { 'aws:TokenIssueTime': issuedBefore } },
    },
  ];
}

const QUARANTINE = [{ Sid: 'NhiEnforceQuarantine', Effect: 'Deny', Action: '*', Resource: '*' }];
const document = (Statement: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement });

/** The document as executed: the planned one with the execution time in place of EXECUTION_TIME (if it has it). */
function executedDocument(step: PlannedStep, issuedBefore: string | undefined): string | undefined {
  const planned = step.detail.document!;
  if (!planned.includes(JSON.stringify(EXECUTION_TIME))) return planned;
  return issuedBefore === undefined
    ? undefined
    : planned.split(JSON.stringify(EXECUTION_TIME)).join(JSON.stringify(issuedBefore));
}

const issuedBeforeOf = (outcome: Record<string, unknown> | undefined) =>
  typeof outcome?.issuedBefore === 'string' ? outcome.issuedBefore : undefined;

async function principalOf(identity: IdentityRef, aws: AwsClients): Promise<Principal | undefined> {
  if (identity.type === 'aws-user') return { kind: 'user', name: userNameFromArn(identity.key) };
  if (identity.type === 'aws-role') return { kind: 'role', name: userNameFromArn(identity.key) };
  if (identity.type === 'aws-access-key') {
    const user = await accessKeyOwner(identity, aws);
    return user ? { kind: 'user', name: user } : undefined;
  }
  return undefined;
}

/** IAM returns policy documents URL-encoded (RFC 3986); the emulator sometimes does not. */
export function decodePolicyDocument(text: string): unknown {
  return JSON.parse(text.trimStart().startsWith('{') ? text : decodeURIComponent(text));
}

async function readInline(step: PlannedStep, aws: AwsClients): Promise<string | undefined> {
  try {
    const out =
      step.api === 'iam:PutUserPolicy'
        ? await aws.iam.send(
            new GetUserPolicyCommand({ UserName: step.target, PolicyName: step.detail.policyName }),
          )
        : await aws.iam.send(
            new GetRolePolicyCommand({ RoleName: step.target, PolicyName: step.detail.policyName }),
          );
    return out.PolicyDocument ? JSON.stringify(decodePolicyDocument(out.PolicyDocument)) : undefined;
  } catch (error) {
    if ((error as { name?: string }).name?.startsWith('NoSuchEntity')) return undefined;
    throw error;
  }
}

async function writeInline(step: PlannedStep, text: string, aws: AwsClients): Promise<void> {
  const input = { PolicyName: step.detail.policyName, PolicyDocument: text };
  if (step.api === 'iam:PutUserPolicy')
    await aws.iam.send(new PutUserPolicyCommand({ ...input, UserName: step.target }));
  else await aws.iam.send(new PutRolePolicyCommand({ ...input, RoleName: step.target }));
}

async function deleteInline(step: PlannedStep, aws: AwsClients): Promise<void> {
  const input = { PolicyName: step.detail.policyName };
  try {
    if (step.api === 'iam:PutUserPolicy')
      await aws.iam.send(new DeleteUserPolicyCommand({ ...input, UserName: step.target }));
    else await aws.iam.send(new DeleteRolePolicyCommand({ ...input, RoleName: step.target }));
  } catch (error) {
    if (!(error as { name?: string }).name?.startsWith('NoSuchEntity')) throw error;
  }
}

/** The policy in place has exactly the planned content (or, for rollback, the recorded previous content). */
async function contentIs(
  step: PlannedStep,
  expected: string | undefined,
  aws: AwsClients,
): Promise<Verification> {
  const actual = await readInline(step, aws);
  const where = `${step.detail.policyName} on ${step.target}`;
  if (expected === undefined)
    return actual === undefined
      ? { ok: true, detail: `${where} absent` }
      : { ok: false, detail: `${where} still present` };
  if (actual === undefined) return { ok: false, detail: `${where} missing` };
  return isDeepStrictEqual(JSON.parse(actual), JSON.parse(expected))
    ? { ok: true, detail: `${where} matches the plan` }
    : { ok: false, detail: `${where} differs from the plan` };
}

/** Scope-down's statements, from what the principal's policies grant and what it was seen using. */
async function scopeDownStatements(principal: Principal, aws: AwsClients, context: PlanContext) {
  const snapshot = await readAccountSnapshot(aws.iam);
  const reach = computeReach(snapshot.identities);
  const mine = [...reach.values()].find((r) => {
    const resource = r.key.split(':').slice(5).join(':');
    return resource.startsWith(`${principal.kind}/`) && resource.split('/').at(-1) === principal.name;
  });
  const lastAccessed = mine ? await lastAccessedActions(aws.iam, mine.key) : undefined;
  return planScopeDown({
    direct: mine?.direct ?? [],
    roles: mine?.roles ?? [],
    used: context.usedActions ?? [],
    ...(lastAccessed ? { lastAccessed: lastAccessed.actions } : {}),
    strategy: context.scopeDownStrategy ?? 'deny-unused',
  });
}

function inlineDenyAction(name: string, description: string): RemediationAction {
  const policyName = `nhi-enforce-${name}`;
  return {
    name,
    description,
    appliesTo: [...(ACTION_SUPPORT[name]?.identityTypes ?? [])],
    async plan(identity, aws, context = {}) {
      const base = {
        action: name,
        identityKey: identity.key,
        rollback: { possible: true, how: `removes ${policyName} (or restores its previous version)` },
      };
      const principal = await principalOf(identity, aws);
      if (!principal) return { ...base, steps: [], noop: 'no IAM user or role to attach a policy to' };
      let statements: unknown[];
      let explanation: RemediationPlan['explanation'];
      if (name === 'scope-down') {
        const planned = await scopeDownStatements(principal, aws, context);
        statements = planned.statements;
        explanation = planned.explanation;
        if (!statements.length)
          return {
            ...base,
            steps: [],
            explanation,
            noop: 'every sensitive action it holds was used: nothing to take away',
          };
      } else statements = name === 'revoke-sessions' ? revokeOlderSessions(EXECUTION_TIME) : QUARANTINE;
      const api = principal.kind === 'user' ? 'iam:PutUserPolicy' : 'iam:PutRolePolicy';
      // Said in the plan, so a reviewer knows what it does not do: aws:TokenIssueTime exists only on temporary
      // credentials, so a long-term access key keeps working (deactivate-key stops that).
      const effect: Record<string, string> =
        name === 'revoke-sessions'
          ? {
              effect: `denies temporary sessions of ${principal.kind} ${principal.name} issued before the moment it executes (that time is written into the policy and recorded in the outcome); long-term access keys are not affected`,
            }
          : {};
      return {
        ...base,
        steps: [
          { api, target: principal.name, detail: { policyName, document: document(statements), ...effect } },
        ],
        ...(explanation ? { explanation } : {}),
      };
    },
    async execute(plan, aws, ctx) {
      const previous: Record<string, string | null> = {};
      // The same moment on a retry and a re-enforcement (the workflow fixed it), so the same document.
      const issuedBefore = ctx.actingAt ?? new Date().toISOString();
      let timed = false;
      for (const step of plan.steps) {
        const text = executedDocument(step, issuedBefore)!;
        timed ||= text !== step.detail.document;
        const before = await readInline(step, aws);
        // Already ours (an earlier attempt, or a re-enforcement): the pre-state was recorded then.
        previous[step.target] =
          before !== undefined && before !== JSON.stringify(JSON.parse(text)) ? before : null;
        ctx.step(`${name}:before-put`);
        await writeInline(step, text, aws);
      }
      return {
        policy: policyName,
        attachedTo: plan.steps.map((s) => s.target),
        ...(timed ? { issuedBefore } : {}),
        preState: { previous },
      };
    },
    async verify(plan, aws, outcome) {
      const issuedBefore = issuedBeforeOf(outcome);
      for (const step of plan.steps) {
        const expected = executedDocument(step, issuedBefore);
        if (expected === undefined)
          return {
            ok: false,
            detail: `${policyName} on ${step.target}: the outcome records no execution time to check the policy against`,
          };
        const v = await contentIs(step, expected, aws);
        if (!v.ok) return v;
      }
      return {
        ok: true,
        detail: `${policyName} in place on ${plan.steps.map((s) => s.target).join(', ')}, content as planned${issuedBefore ? ` (sessions issued before ${issuedBefore} denied)` : ''}`,
      };
    },
    async rollback(plan, outcome, aws) {
      const previous =
        (outcome.preState as { previous?: Record<string, string | null> } | undefined)?.previous ?? {};
      for (const step of plan.steps) {
        const before = previous[step.target];
        if (before) await writeInline(step, before, aws);
        else await deleteInline(step, aws);
      }
      return {
        restored: plan.steps.map((s) =>
          previous[s.target] ? `${s.target}: previous ${policyName}` : `${s.target}: ${policyName} removed`,
        ),
      };
    },
    async verifyRollback(plan, outcome, aws) {
      const previous =
        (outcome.preState as { previous?: Record<string, string | null> } | undefined)?.previous ?? {};
      for (const step of plan.steps) {
        const v = await contentIs(step, previous[step.target] ?? undefined, aws);
        if (!v.ok) return v;
      }
      return {
        ok: true,
        detail: `pre-state of ${policyName} restored on ${plan.steps.map((s) => s.target).join(', ')}`,
      };
    },
  };
}

export const quarantine = inlineDenyAction(
  'quarantine',
  'attach an inline Deny-all policy to the user or role',
);
export const revokeSessions = inlineDenyAction(
  'revoke-sessions',
  'deny temporary credentials issued before the moment it executes (AWS revoke-older-sessions policy)',
);
export const scopeDown = inlineDenyAction(
  'scope-down',
  'deny the sensitive actions it never used (from its CloudTrail activity); or everything but the used set',
);
