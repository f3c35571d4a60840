// A signed retry of an ended remediation (`nhi remediation retry`): who may ask, for which proposal. Pure (the
// signature check is pure JS), shared by the identity workflow's update handler, the CLI and tests.
import { latestProposal } from '../../risk/proposals.ts';
import { type Freshness, personEntry, signedDecisionRefusal } from '../../schemas/decision-check.ts';
import { canonicalPerson, type DirectorySnapshot } from '../../schemas/directory.ts';
import { hashOf, type SignedDecision } from '../../schemas/signed-decision.ts';
import type { RemediationRecord } from './state.ts';

/** What a retry's signature covers: which remediation, and which retry of it (so one signature retries once). */
export const retryTermsHash = (remediationId: string, round: number): string =>
  hashOf({ retry: remediationId, round });

/** The round the next retry of this remediation is signed for: 1, then 2 if it was retried before… */
export const retryRound = (r: Pick<RemediationRecord, 'retry'> | undefined): number =>
  (r?.retry?.round ?? 0) + 1;

export interface RetryContext {
  /** The identity workflow's id (what the signature names). */
  workflowId: string;
  directory: DirectorySnapshot;
  /** Groups that may retry (policy decisions.retriers, default security). */
  retriers: readonly string[];
  /** The identity's owners as AWS says: never retry their own identity's remediation. */
  owners: readonly string[];
  remediations: readonly RemediationRecord[];
}

/** Why this retry does not hold, or undefined. */
export function retryRefusal(
  ctx: RetryContext,
  remediationId: string,
  signed: unknown,
  fresh?: Freshness,
): string | undefined {
  const r = ctx.remediations.find((x) => x.workflowId === remediationId);
  // The signature first: a forged or unsigned retry is refused as such, whatever it names.
  const bad = signedDecisionRefusal(
    ctx.directory,
    signed,
    {
      workflowId: ctx.workflowId,
      runId: remediationId,
      planHash: retryTermsHash(remediationId, retryRound(r)),
      decisions: ['retry'],
      termsRefusal: `signed for another retry of ${remediationId} (this one is round ${retryRound(r)})`,
    },
    fresh,
  );
  if (bad) return bad;
  if (!r)
    return `no remediation ${remediationId} was proposed by this identity (nhi identity KEY lists them)`;
  if (r.observe) return `${remediationId} is an observe-mode plan: nothing acts in observe mode`;
  if (!r.ended) return `${remediationId} has not ended (nhi pending shows what it waits for)`;
  if (r.ended.status === 'executed')
    return `${remediationId} executed: roll it back first (nhi rollback ${remediationId}); it is then proposed again`;
  const latest = latestProposal(ctx.remediations, r.action);
  if (latest && latest !== r)
    return `${remediationId} is not the latest proposal of ${r.action} (${latest.workflowId} is): retry that one`;
  const person = canonicalPerson((signed as SignedDecision).person);
  const groups = personEntry(ctx.directory, person)!.groups;
  const owner = ctx.owners.find((o) => canonicalPerson(o) === person || groups.includes(canonicalPerson(o)));
  if (owner) return `${person} is the identity's owner (${owner}) and cannot retry its remediation`;
  if (!groups.some((g) => ctx.retriers.includes(g)))
    return `${person} is in none of the groups that may retry a remediation (${ctx.retriers.join(', ')}: policy decisions.retriers)`;
  return undefined;
}
