// Exceptions as requests: who may request one, approve it, revoke it, and for how long. Pure (signature checks are
// pure JS), shared by the identity workflow's update handlers and tests.
import { ACTION_SUPPORT, supportOf } from '../../schemas/action-support.ts';
import { type Freshness, personEntry, signedDecisionRefusal } from '../../schemas/decision-check.ts';
import { canonicalPerson, type DirectorySnapshot } from '../../schemas/directory.ts';
import { durationMs } from '../../schemas/duration.ts';
import type { IdentityType } from '../../schemas/identity.ts';
import { type ExceptionLimits, isActionName } from '../../schemas/policy.ts';
import { hashOf, type SignedDecision } from '../../schemas/signed-decision.ts';
import type { ExceptionTerms } from './definitions.ts';
import type { ExceptionGrant, ExceptionRequestRecord } from './state.ts';

const DAY_MS = 86_400_000;
/** `runId` claim of a new request: there is no request id before it opens. */
export const NEW_REQUEST = 'new';

/** What an exception's signatures cover: the identity, the action, how long, the ticket. */
export const exceptionTermsHash = (t: ExceptionTerms): string =>
  hashOf({ identityKey: t.identityKey, action: t.action, for: t.for, ticket: t.ticket ?? '' });

/** The signed-decision check (schemas/decision-check.ts); `fresh` (time, nonce, pin) on code paths since v2. */
export function signatureRefusal(
  directory: DirectorySnapshot,
  d: Partial<SignedDecision> | null,
  expect: { workflowId: string; runId: string; planHash: string; decisions: readonly string[] },
  fresh?: Freshness,
): string | undefined {
  return signedDecisionRefusal(directory, d, expect, fresh);
}

export interface RequestContext {
  workflowId: string;
  identityType: IdentityType;
  directory: DirectorySnapshot;
  limits: Pick<ExceptionLimits, 'maxDurationDays'>;
  ruleActions: readonly string[];
}

/** Why this exception request cannot open, or undefined. */
export function requestRefusal(
  ctx: RequestContext,
  terms: ExceptionTerms,
  signed: unknown,
  fresh?: Freshness,
): string | undefined {
  if (typeof terms !== 'object' || terms === null) return 'an exception request must name its terms';
  const action = typeof terms.action === 'string' ? terms.action.trim() : '';
  if (!action) return 'an exception must name the action it pauses (--action A)';
  if (!isActionName(action)) return `'${action}' is not an action name`;
  const targets = supportOf(action)?.identityTypes;
  if (targets && !targets.includes(ctx.identityType))
    return `${action} does not apply to ${ctx.identityType} identities (it applies to ${targets.join(', ')})`;
  if (!targets && !ctx.ruleActions.includes(action))
    return `no action ${action} in the policy (known: ${[...new Set([...Object.keys(ACTION_SUPPORT), ...ctx.ruleActions])].join(', ')})`;
  const ms = typeof terms.for === 'string' ? durationMs(terms.for) : undefined;
  if (ms === undefined) return `duration '${String(terms.for)}' is not a duration such as 7d or 12h (--for)`;
  if (ms > ctx.limits.maxDurationDays * DAY_MS)
    return `an exception may last at most ${ctx.limits.maxDurationDays} days (policy exceptions.maxDurationDays)`;
  return signatureRefusal(
    ctx.directory,
    signed as Partial<SignedDecision>,
    {
      workflowId: ctx.workflowId,
      runId: NEW_REQUEST,
      planHash: exceptionTermsHash(terms),
      decisions: ['request'],
    },
    fresh,
  );
}

/** Why this approval or rejection of an exception request does not count, or undefined. */
export function exceptionDecisionRefusal(
  request: ExceptionRequestRecord | undefined,
  requestId: string,
  owners: readonly string[],
  signed: unknown,
  fresh?: Freshness,
): string | undefined {
  if (!request) return `no exception request ${requestId} for this identity`;
  if (request.status === 'expired') return `exception request ${requestId} expired at ${request.deadline}`;
  if (request.status !== 'open')
    return `exception request ${requestId} was already decided (${request.status})`;
  const directory = request.directory ?? { people: {}, source: 'none' };
  const bad = signatureRefusal(
    directory,
    signed as Partial<SignedDecision>,
    {
      workflowId: request.workflowId,
      runId: request.id,
      planHash: request.termsHash,
      decisions: ['approve', 'reject'],
    },
    fresh,
  );
  if (bad) return bad;
  const person = canonicalPerson((signed as SignedDecision).person);
  const groups = personEntry(directory, person)!.groups;
  if (person === request.requestedBy) return `${person} requested this exception and cannot approve it`;
  if (!groups.some((g) => request.approvers.includes(g)))
    return `${person} is in none of the exception-approver groups (${request.approvers.join(', ')})`;
  const owner = owners.find((o) => canonicalPerson(o) === person || groups.includes(canonicalPerson(o)));
  if (owner) return `${person} is the identity's owner (${owner}) and cannot approve an exception for it`;
  return undefined;
}

/** Why this revocation does not count: only live exceptions end, by their requester, approver or approver groups. */
export function revokeRefusal(
  grant: ExceptionGrant | undefined,
  grantId: string,
  workflowId: string,
  directory: DirectorySnapshot,
  approvers: readonly string[],
  signed: unknown,
  fresh?: Freshness,
): string | undefined {
  if (!grant) return `no exception ${grantId} for this identity`;
  if (grant.revokedAt) return `exception ${grantId} was already revoked at ${grant.revokedAt}`;
  if (grant.expiredAt) return `exception ${grantId} already expired at ${grant.expiresAt}`;
  const bad = signatureRefusal(
    directory,
    signed as Partial<SignedDecision>,
    {
      workflowId,
      runId: grant.id,
      planHash: grant.termsHash ?? '',
      decisions: ['revoke'],
    },
    fresh,
  );
  if (bad) return bad;
  const person = canonicalPerson((signed as SignedDecision).person);
  const groups = personEntry(directory, person)!.groups;
  const involved = person === grant.requestedBy || person === grant.approvedBy;
  if (!involved && !groups.some((g) => approvers.includes(g)))
    return `${person} may not revoke it (only its requester, its approver or the groups ${approvers.join(', ')})`;
  return undefined;
}
