// Whether an access request may go on, decided at the moment of the request from what the workflow read (the
// catalogue, the directory, the identity's current risk and open findings, the kill switch): pure, deterministic
// (signatures are verified in pure JS), one line per refusal. Shared by the workflow and tests.
import {
  type AccessTerms,
  accessTermsHash,
  durationSeconds,
  STS_MIN_SECONDS,
  sessionPolicyText,
} from '../../schemas/access.ts';
import { accessRiskBar } from '../../schemas/access-risk-bar.ts';
import { type Freshness, personEntry } from '../../schemas/decision-check.ts';
import { canonicalPerson, type DirectorySnapshot } from '../../schemas/directory.ts';
import { formatDuration } from '../../schemas/duration.ts';
import { hashOf, type SignedDecision } from '../../schemas/signed-decision.ts';
import { NEW_REQUEST, signatureRefusal } from '../identity/exception-rules.ts';
import type { AccessChecks, AccessContext, AccessState } from './definitions.ts';

const isText = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface RequestVerdict {
  refusal?: string;
  checks: AccessChecks;
  /** The requester, canonical (a person's lower-cased email, or the identity key). */
  requester: string;
}

/** Every check of a request, in a fixed order; the first that fails is the refusal. */
export function requestVerdict(
  ctx: AccessContext,
  terms: AccessTerms,
  signed: SignedDecision | undefined,
  workflowId: string,
  fresh?: Freshness,
): RequestVerdict {
  const requester = isText(terms?.requester)
    ? EMAIL.test(terms.requester.trim())
      ? canonicalPerson(terms.requester)
      : terms.requester.trim()
    : '?';
  const action = ctx.action;
  const checks: AccessChecks = {
    requester,
    ...(ctx.identity.score !== undefined ? { riskScore: ctx.identity.score } : {}),
    ...(action ? { riskCeiling: action.riskCeiling, maxDuration: action.maxDuration } : {}),
    compromise: ctx.identity.compromise.map((f) => f.id),
    paused: !!ctx.paused,
    duration: String(terms?.duration),
    approvalRequired: !!action?.approval,
    ...(ctx.policyHash ? { policyHash: ctx.policyHash } : {}),
  };
  const refuse = (refusal: string): RequestVerdict => ({ refusal, checks, requester });
  if (!isText(terms?.action) || !isText(terms.identityKey) || !isText(terms.duration))
    return refuse('a request names an action, an identity (--for) and a duration (--duration)');
  if (!isText(terms.reason)) return refuse('a request gives a reason (--reason R)');
  if (!isText(terms.recipientKey) || !/^[0-9a-f]{64}$/.test(terms.recipientKey))
    return refuse('a request carries the X25519 public key the credentials are encrypted to (64 hex digits)');
  if (!action)
    return refuse(
      `no protected action '${terms.action}' in the policy (catalogued: ${ctx.catalogue.join(', ') || 'none'})`,
    );
  const seconds = durationSeconds(terms.duration);
  const maxSeconds = durationSeconds(action.maxDuration) ?? 0;
  if (seconds === undefined)
    return refuse(`duration '${terms.duration}' is not a duration such as 15m or 1h`);
  if (seconds > maxSeconds)
    return refuse(`duration ${terms.duration} is over ${action.name}'s maximum of ${action.maxDuration}`);
  if (seconds < STS_MIN_SECONDS)
    return refuse(
      `duration ${terms.duration} is under ${formatDuration(STS_MIN_SECONDS * 1000)}, the shortest session STS issues`,
    );

  const who = requesterRefusal(ctx, terms, signed, requester, workflowId, fresh);
  if (who) return refuse(who);
  if (ctx.paused)
    return refuse(
      `enforcement is paused by ${ctx.paused.by} (${ctx.paused.reason}): no new grants until it resumes`,
    );
  if (ctx.accountRefusal) return refuse(ctx.accountRefusal);
  const key = ctx.identity.key;
  // The same bar revokes a live grant (workflows/identity/access-grants.ts).
  const barred = accessRiskBar({
    key,
    compromise: ctx.identity.compromise,
    ...(ctx.identity.score !== undefined ? { score: ctx.identity.score } : {}),
    ceiling: action.riskCeiling,
    action: action.name,
  });
  if (barred?.cause === 'compromise') return refuse(barred.reason);
  if (ctx.identity.score === undefined)
    return refuse(`the current risk of ${key} is unknown (${ctx.identity.unknown ?? 'not assessed'})`);
  if (barred) return refuse(barred.reason);
  return { checks, requester };
}

function requesterRefusal(
  ctx: AccessContext,
  terms: AccessTerms,
  signed: SignedDecision | undefined,
  requester: string,
  workflowId: string,
  fresh: Freshness | undefined,
): string | undefined {
  const action = ctx.action!;
  const allowed = `requesters: ${[
    ...action.requesters.groups.map((g) => `group ${g}`),
    ...action.requesters.identities.map((i) => `identity ${i}`),
  ].join(', ')}`;
  if (EMAIL.test(requester)) {
    const bad = signatureRefusal(
      ctx.directory,
      signed ?? null,
      {
        workflowId,
        runId: NEW_REQUEST,
        planHash: accessTermsHash(terms),
        decisions: ['request'],
      },
      fresh,
    );
    if (bad) return bad;
    if (canonicalPerson(signed!.person) !== requester)
      return `signed by ${canonicalPerson(signed!.person)}, not by the requester ${requester}`;
    const groups = personEntry(ctx.directory, requester)?.groups ?? [];
    if (!groups.some((g) => action.requesters.groups.includes(g)))
      return `${requester} may not request ${action.name} (${allowed})`;
    return undefined;
  }
  // An identity asks for itself only; the Temporal client's own authentication (mTLS, API key) says who it is.
  if (requester !== terms.identityKey)
    return `${requester} may request ${action.name} only for itself, not for ${terms.identityKey}`;
  if (!action.requesters.identities.includes(requester))
    return `${requester} may not request ${action.name} (${allowed})`;
  // Reaching Temporal proves nothing about who asks: an identity's own request is granted only after a person
  // (signed, in the catalogue's approval groups) approves it.
  if (fresh && !action.approval)
    return `${requester} may request ${action.name} for itself only with a person's signed approval, and its catalogue entry names no approval`;
  return undefined;
}

/** What the approval covers, hashed: the terms, the role, the exact session policy and duration. */
export function accessPlanHash(terms: AccessTerms, plan: NonNullable<AccessState['plan']>): string {
  return hashOf({
    terms,
    roleArn: plan.roleArn,
    sessionPolicy: plan.sessionPolicy,
    durationSeconds: plan.durationSeconds,
  });
}

export function accessPlanOf(
  ctx: AccessContext,
  terms: AccessTerms,
): NonNullable<AccessState['plan']> | undefined {
  if (!ctx.action || !ctx.roleArn) return undefined;
  return {
    roleArn: ctx.roleArn,
    sessionPolicy: sessionPolicyText(ctx.action),
    durationSeconds: durationSeconds(terms.duration) ?? STS_MIN_SECONDS,
    action: ctx.action,
  };
}

/** Who may end a grant early: its requester, or a member of the groups that approve it (security when none). */
export function revokeRefusal(
  state: AccessState,
  signed: SignedDecision,
  directory: DirectorySnapshot,
  workflowId: string,
  fresh?: Freshness,
): string | undefined {
  if (!state.grant || state.status !== 'active')
    return `grant ${state.grantId} is ${state.status}, not active: nothing to revoke`;
  const bad = signatureRefusal(
    directory,
    signed,
    {
      workflowId,
      runId: state.grantId,
      planHash: state.grant.policyHash,
      decisions: ['revoke'],
    },
    fresh,
  );
  if (bad) return bad;
  const person = canonicalPerson(signed.person);
  const groups = Object.keys(state.plan?.action.approval?.groups ?? { security: 1 });
  const member = personEntry(directory, person)?.groups.some((g) => groups.includes(g));
  if (person !== state.requestedBy && !member)
    return `${person} may not revoke ${state.grantId}: only its requester or a member of ${groups.join(', ')}`;
  return undefined;
}
