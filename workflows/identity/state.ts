// An identity's record, as its workflow keeps it. Pure and deterministic: no I/O, time is passed in.

import type { AssessFinding, Assessment } from '../../activities/assess-identity.ts';
import type { SkippedRule } from '../../risk/decide.ts';
import type { EndCause, ProposalEnd, RetryMark } from '../../risk/proposals.ts';
import type { DirectorySnapshot } from '../../schemas/directory.ts';
import { type Finding, type FindingKind, isClosedStatus } from '../../schemas/finding.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import type { Mode } from '../../schemas/policy.ts';
import type { RefusedMessage } from '../../schemas/refused-message.ts';
import type { GrantNotice } from '../access/definitions.ts';
import { type PackedFindingIds, packFindingIds, unpackFindingIds } from './finding-ids.ts';
import { rememberUse, usedActionOf } from './used-actions.ts';

export interface FindingSummary {
  id: string;
  kind: FindingKind;
  status: Finding['status'];
  severity: number;
  title: string;
  format: Finding['source']['format'];
  time: string;
  /** When the report reached us (the Kafka message's timestamp), when the consumer knew it. */
  reportedAt?: string;
  firstSeen: string;
  lastSeen: string;
  /** format:nativeId, to match a later closing report of the same finding. */
  ref?: string;
  /** The finding's check key (schemas/check-key.ts): a closing report of the same check on the same subject. */
  check?: string;
  /** Why it is closed, as the tool said (a suppression's reason), clipped. */
  statusReason?: string;
  /** The id of the report that closed it, when another finding did (a pass, a resolution, a rescan). */
  closedBy?: string;
  /** When the tool observed it closed: a later open report of the same finding id reopens it. */
  closedAt?: string;
  /** The scanner verified the secret is live. */
  verified?: boolean;
  /** The secret was seen somewhere public. */
  public?: boolean;
  /** The tool marked it a sample or test finding (GuardDuty/ASFF `sample`): recorded, never scored or acted on. */
  sample?: boolean;
}

/** A granted exception: the named action is not taken for this identity until it expires or is revoked. */
export interface ExceptionGrant {
  /** The request's id (`exc-3`): one id from request to grant to revocation. */
  id: string;
  action: string;
  /** ISO 8601: the duration asked for, from the moment it was approved. */
  expiresAt: string;
  requestedBy: string;
  approvedBy: string;
  /** The requester's reason. */
  reason: string;
  approvalReason?: string;
  ticket?: string;
  /** What both signatures cover (identity, action, duration, ticket). */
  termsHash?: string;
  grantedAt: string;
  /** Set once it ended (expiry noticed, or revoked) and was announced. */
  expiredAt?: string;
  revokedAt?: string;
  revokedBy?: string;
  revokeReason?: string;
}

/** An exception asked for by one person, waiting for another to sign it. */
export interface ExceptionRequestRecord {
  id: string;
  workflowId: string;
  action: string;
  /** Duration asked for (`7d`). */
  for: string;
  ticket?: string;
  termsHash: string;
  requestedBy: string;
  reason: string;
  openedAt: string;
  deadline: string;
  status: 'open' | 'approved' | 'rejected' | 'expired';
  /** Groups whose members may approve it (the policy's, when it opened). */
  approvers: string[];
  /** The directory when it opened; dropped once it is decided. */
  directory?: DirectorySnapshot;
  decidedBy?: string;
  decidedAt?: string;
  attempts: Array<{ by: string; decision: string; at: string; accepted: boolean; refusal?: string }>;
}

export interface IdentityRecord {
  identity: IdentityRef;
  /**
   * The newest finding ids delivered (at most MAX_RECENT_IDS), in arrival order: the dedup window, with the ids of
   * the findings in `findings`. Older ids are only counted (findingsTotal): the consumer's digest stops repeats
   * before they reach the workflow, so this only has to catch redelivery of recent steps.
   */
  findingIds: string[];
  /** Distinct findings ever delivered (the ids of all but the newest are forgotten). */
  findingsTotal?: number;
  /** Deliveries of a finding already held, unchanged (a consumer re-signalling its uncommitted step after a crash
   * or a rebalance): the count shows how much was sent twice. */
  redelivered?: number;
  /** Finding details dropped to keep the record bounded, by their status then (counts only; resolved: any closed). */
  forgotten?: { open: number; resolved: number };
  /**
   * Details of recent findings, in arrival order; at most MAX_FINDING_DETAILS. When over, resolved ones go
   * first, then plain activity records, then the oldest: an open leak is not pushed out by a stream of noise.
   * (Trimmed to 90% of the cap at a time: between 450 and 500 are kept.)
   */
  findings: FindingSummary[];
  countsByKind: Partial<Record<FindingKind, number>>;
  firstSeen?: string;
  lastSeen?: string;
  /** The latest assessment: capabilities, reach, score with its factors, policy in force. */
  assessment?: Assessment;
  /** Why the latest assessment attempt failed (the findings are kept; it is retried with backoff). */
  assessmentError?: { message: string; at: string; failures: number; retryAt: string };
  /** Every live exception, and the newest MAX_ENDED_EXCEPTIONS that ended. */
  exceptions: ExceptionGrant[];
  /** Open exception requests, and the newest MAX_ENDED_EXCEPTIONS that closed. */
  exceptionRequests: ExceptionRequestRecord[];
  /** Numbers exception requests: `exc-1`, `exc-2`, … */
  exceptionSeq: number;
  /**
   * Exception requests ever received, refused at once included (those get no number): the memo shows it, so an
   * evidence export finds every identity that holds one. Absent in records from before it was counted.
   */
  exceptionRequestsReceived?: number;
  /**
   * Every proposal and observe-mode plan, oldest first: the chain of an action's proposals is its entries by
   * epoch, each with how it ended.
   */
  remediations: RemediationRecord[];
  /** Rules that fired at the latest assessment but started nothing, and why (protected, cool-down, …). */
  skipped?: SkippedRule[];
  /**
   * Latest closing report's time per format:nativeId and per check key, so a closing report that overtook its
   * finding still counts.
   */
  resolvedRefs: Record<string, string>;
  /** Actions it was seen using (CloudTrail), with when last: scope-down keeps them. Absent in older records. */
  usedActions?: Record<string, string>;
  /**
   * What findings claimed about the identity (e.g. its owner), shown to reviewers as claims. Never used to pick a
   * target or to score: who owns a key or a user is read from AWS by the assessment.
   */
  claims?: { owners: string[] };
  /** Just-in-time grants live on this identity or its role (access workflows): a critical finding revokes them. */
  accessGrants?: Array<GrantNotice & { revokedFor?: string }>;
  /** Messages this identity refused (forged, unsigned, replayed, stale): the newest, see schemas/refused-message.ts. */
  refusedMessages?: RefusedMessage[];
  /** Nonces of the signed decisions it accepted (the newest): a replayed one is refused. */
  decisionNonces?: string[];
}

/** The record as continue-as-new carries it: finding ids packed (see finding-ids.ts). */
export type CarriedRecord = Omit<IdentityRecord, 'findingIds'> & { findingIdsPacked: PackedFindingIds };

export interface RemediationRecord {
  action: string;
  ruleId: string;
  workflowId: string;
  mode: Mode;
  reasons: string[];
  startedAt: string;
  score: number;
  /** The workflow id was already taken (started by an earlier run or another path): that one counts. */
  alreadyStarted?: boolean;
  /** The identity the action changes (this one, or the IAM user or role behind it), when not this one. */
  target?: string;
  /** The policy file the decision was taken on. */
  policyHash?: string;
  /** Which proposal of this action this is (absent: 0, from before epochs). */
  epoch?: number;
  /** An observe-mode plan (a plan/ id): acts on nothing, numbers and blocks no proposal. */
  observe?: boolean;
  /** How it ended, as the remediation reported (`cause: configuration`: a configuration change may fix it). */
  ended?: { status: ProposalEnd; at: string; cause?: EndCause };
  /** After it ended, the rule stopped firing at this time: the next crossing is new risk. */
  rearmedAt?: string;
  /** The configuration hash it was proposed under (assessment's configHash; absent in older records). */
  configHash?: string;
  /** A person's signed retry (`nhi remediation retry`): proposed again the next time its rule fires. */
  retry?: RetryMark;
  /** The open findings it was started on (its input's findingIds). */
  findingIds?: string[];
  /** Every one of those findings was closed: the remediation was told (it cancels if still awaiting approval). */
  findingsClosed?: { reason: string; at: string };
}

/**
 * Bounds that keep an identity's record small however many findings it gets (1,000,000 on one identity carry
 * in well under 256 KB and answer the query in well under 1 MB: test/unit/workflows/state-bounds.test.ts).
 */
export const MAX_FINDING_DETAILS = 300;
export const MAX_RECENT_IDS = 4_000;
/** Ended exceptions and closed requests kept in the record; live and open ones are never dropped. */
export const MAX_ENDED_EXCEPTIONS = 50;
const MAX_REQUEST_ATTEMPTS = 50;
const MAX_RESOLVED_REFS = 300;
const MAX_OWNER_CLAIMS = 10;

/** The identity as the record keeps it: a finding's `owner` is a claim, kept apart (see IdentityRecord.claims). */
function withoutClaims(identity: IdentityRef): IdentityRef {
  const { owner: _claimed, ...rest } = identity;
  return rest;
}

function addClaims(record: IdentityRecord, ref: IdentityRef | undefined): void {
  const owner = ref?.owner?.trim();
  if (!owner) return;
  const owners = record.claims?.owners ?? [];
  if (owners.includes(owner) || owners.length >= MAX_OWNER_CLAIMS) return;
  record.claims = { owners: [...owners, owner.slice(0, 300)] };
}

export function emptyRecord(identity: IdentityRef): IdentityRecord {
  const record: IdentityRecord = {
    identity: withoutClaims(identity),
    findingIds: [],
    findings: [],
    countsByKind: {},
    exceptions: [],
    exceptionRequests: [],
    exceptionSeq: 0,
    remediations: [],
    resolvedRefs: {},
  };
  addClaims(record, identity);
  return record;
}

const isCarried = (s: CarriedRecord | IdentityRecord): s is CarriedRecord => 'findingIdsPacked' in s;

/** The record from a workflow input: packed (this version) or plain (runs started before packing). */
export function restoreRecord(state: CarriedRecord | IdentityRecord): IdentityRecord {
  const restored: IdentityRecord = isCarried(state)
    ? (({ findingIdsPacked, ...rest }) => ({
        ...emptyRecord(state.identity),
        ...rest,
        findingIds: unpackFindingIds(findingIdsPacked),
      }))(state)
    : { ...emptyRecord(state.identity), ...state };
  // Records from before claims were kept apart: the owner a finding named becomes a claim.
  addClaims(restored, restored.identity);
  restored.identity = withoutClaims(restored.identity);
  return restored;
}

export function carryRecord(record: IdentityRecord): CarriedRecord {
  const { findingIds, ...rest } = record;
  return { ...rest, findingIdsPacked: packFindingIds(findingIds) };
}

const at = (iso: string) => Date.parse(iso);

const refOf = (f: Finding): string | undefined =>
  f.source.nativeId ? `${f.source.format}:${f.source.nativeId}` : undefined;

const summarize = (f: Finding, now: string): FindingSummary => ({
  id: f.id,
  kind: f.kind,
  status: f.status,
  severity: f.severity.score,
  title: f.title.slice(0, 200),
  format: f.source.format,
  time: f.time,
  ...(typeof f.reportedAt === 'string' ? { reportedAt: f.reportedAt } : {}),
  firstSeen: now,
  lastSeen: now,
  ...(refOf(f) ? { ref: refOf(f) } : {}),
  ...(f.checkKey ? { check: f.checkKey } : {}),
  ...(f.statusReason ? { statusReason: f.statusReason.slice(0, 200) } : {}),
  ...(f.secret?.verified !== undefined ? { verified: f.secret.verified } : {}),
  ...(f.evidence?.public === true ? { public: true } : {}),
  ...(f.evidence?.sample === true ? { sample: true } : {}),
});

/** A delivery as it may really arrive: anything not shaped like a finding is skipped, not thrown on. */
const isFindingLike = (f: unknown): f is Finding => {
  const x = f as Partial<Finding> | null;
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof x.id === 'string' &&
    typeof x.kind === 'string' &&
    typeof x.title === 'string' &&
    typeof x.time === 'string' &&
    typeof x.severity?.score === 'number' &&
    typeof x.source?.format === 'string'
  );
};

export class IdentityState {
  private readonly seen: Set<string>;
  private readonly details: Map<string, FindingSummary>;

  constructor(readonly record: IdentityRecord) {
    record.findingsTotal ??= record.findingIds.length;
    this.details = new Map(record.findings.map((s) => [s.id, s]));
    this.trimIds();
    this.seen = new Set(record.findingIds);
  }

  /** Merge what another tool says about this identity (aliases, account); an owner it names is only a claim. */
  learn(ref: IdentityRef | undefined): void {
    const id = this.record.identity;
    if (!ref || ref.key !== id.key) return;
    addClaims(this.record, ref);
    const aliases = new Set([...(id.aliases ?? []), ...(ref.aliases ?? [])]);
    this.record.identity = withoutClaims({
      ...ref,
      ...id,
      aliases: [...aliases],
      account: id.account ?? ref.account,
      name: id.name ?? ref.name,
    });
  }

  /** Adds findings not seen before; returns the ones that change the record. Re-delivery changes nothing. */
  addFindings(findings: readonly unknown[], now: string): Finding[] {
    const changed: Finding[] = [];
    for (const f of findings) {
      if (!isFindingLike(f)) continue;
      if (this.seen.has(f.id) || this.details.has(f.id)) {
        const known = this.details.get(f.id);
        if (known) known.lastSeen = now;
        // Re-delivery changes nothing; a tool saying the problem is gone does, and so does one saying it is back
        // (Security Hub, SCC and Wiz update a finding in place: the same id, open again after it closed).
        if (isClosedStatus(f.status) && this.closeRelated(f, now)) changed.push(f);
        else if (f.status === 'open' && known && this.reopen(known, f, now)) changed.push(f);
        else this.record.redelivered = (this.record.redelivered ?? 0) + 1;
        continue;
      }
      this.seen.add(f.id);
      this.record.findingIds.push(f.id);
      this.record.findingsTotal = (this.record.findingsTotal ?? 0) + 1;
      const used = usedActionOf(f);
      if (used) {
        this.record.usedActions ??= {};
        rememberUse(this.record.usedActions, used, f.time);
      }
      const summary = summarize(f, now);
      if (isClosedStatus(f.status)) this.closeRelated(f, now);
      else if (this.resolvedLater(summary)) summary.status = 'resolved';
      this.record.findings.push(summary);
      this.details.set(summary.id, summary);
      this.record.countsByKind[f.kind] = (this.record.countsByKind[f.kind] ?? 0) + 1;
      changed.push(f);
    }
    this.trimDetails();
    this.trimIds();
    if (changed.length) {
      this.record.firstSeen ??= now;
      this.record.lastSeen = now;
    }
    return changed;
  }

  has(findingId: string): boolean {
    return this.seen.has(findingId) || this.details.has(findingId);
  }

  /** Over the window: forget the oldest ids (down to 90%, so the work is done once per many deliveries). */
  private trimIds(): void {
    const ids = this.record.findingIds;
    if (ids.length <= MAX_RECENT_IDS) return;
    const drop = ids.length - Math.floor(MAX_RECENT_IDS * 0.9);
    for (const id of ids.slice(0, drop)) this.seen?.delete(id);
    this.record.findingIds = ids.slice(drop);
  }

  openFindings(): FindingSummary[] {
    return this.record.findings.filter((f) => f.status === 'open');
  }

  openExceptionRequest(
    request: Omit<ExceptionRequestRecord, 'id' | 'status' | 'attempts'>,
  ): ExceptionRequestRecord {
    this.record.exceptionSeq = (this.record.exceptionSeq ?? 0) + 1;
    const opened: ExceptionRequestRecord = {
      ...request,
      id: `exc-${this.record.exceptionSeq}`,
      status: 'open',
      attempts: [],
    };
    this.record.exceptionRequests.push(opened);
    this.trimEnded();
    return opened;
  }

  /** One more exception request received, whatever its answer; older ones counted as at least those numbered. */
  countExceptionRequest(): void {
    this.record.exceptionRequestsReceived =
      (this.record.exceptionRequestsReceived ?? this.record.exceptionSeq ?? 0) + 1;
  }

  /** Exception requests received as far as the record knows (numbered ones, before they were all counted). */
  exceptionRequestsReceived(): number {
    return this.record.exceptionRequestsReceived ?? this.record.exceptionSeq ?? 0;
  }

  exceptionRequest(id: string): ExceptionRequestRecord | undefined {
    return this.record.exceptionRequests.find((r) => r.id === id);
  }

  exception(id: string): ExceptionGrant | undefined {
    return this.record.exceptions.find((e) => e.id === id);
  }

  noteAttempt(request: ExceptionRequestRecord, attempt: ExceptionRequestRecord['attempts'][number]): void {
    request.attempts.push(attempt);
    if (request.attempts.length > MAX_REQUEST_ATTEMPTS)
      request.attempts.splice(0, request.attempts.length - MAX_REQUEST_ATTEMPTS);
  }

  /** The request approved: the exception runs from now for the duration asked. */
  grantException(
    request: ExceptionRequestRecord,
    approval: { by: string; reason: string },
    durationMs: number,
    now: string,
  ): ExceptionGrant {
    request.status = 'approved';
    request.decidedBy = approval.by;
    request.decidedAt = now;
    request.directory = undefined;
    const grant: ExceptionGrant = {
      id: request.id,
      action: request.action,
      expiresAt: new Date(Date.parse(now) + durationMs).toISOString(),
      requestedBy: request.requestedBy,
      approvedBy: approval.by,
      reason: request.reason,
      approvalReason: approval.reason,
      ...(request.ticket ? { ticket: request.ticket } : {}),
      termsHash: request.termsHash,
      grantedAt: now,
    };
    this.record.exceptions.push(grant);
    this.trimEnded();
    return grant;
  }

  rejectExceptionRequest(request: ExceptionRequestRecord, by: string, now: string): void {
    request.status = 'rejected';
    request.decidedBy = by;
    request.decidedAt = now;
    request.directory = undefined;
  }

  /** Ends a live exception at once. */
  revokeException(grant: ExceptionGrant, by: string, reason: string, now: string): void {
    grant.revokedAt = now;
    grant.revokedBy = by;
    grant.revokeReason = reason;
    grant.expiredAt = now;
    this.trimEnded();
  }

  /** Exceptions whose expiry has passed and was not noticed yet; marks them. */
  expireExceptions(now: string): ExceptionGrant[] {
    const t = Date.parse(now);
    const expired = this.record.exceptions.filter((e) => !e.expiredAt && !(t < Date.parse(e.expiresAt)));
    for (const e of expired) e.expiredAt = now;
    if (expired.length) this.trimEnded();
    return expired;
  }

  /** Open requests past their deadline; closes them. */
  expireRequests(now: string): ExceptionRequestRecord[] {
    const t = Date.parse(now);
    const expired = this.record.exceptionRequests.filter(
      (r) => r.status === 'open' && !(t < Date.parse(r.deadline)),
    );
    for (const r of expired) {
      r.status = 'expired';
      r.directory = undefined;
    }
    return expired;
  }

  /** Live (not yet ended) exceptions, as the policy reads them. */
  liveExceptions(): ExceptionGrant[] {
    return this.record.exceptions.filter((e) => !e.expiredAt);
  }

  /** Only what has ended is bounded: a live exception or an open request is never pushed out. */
  private trimEnded(): void {
    const trim = <T>(list: T[], ended: (x: T) => boolean): T[] => {
      let excess = list.filter(ended).length - MAX_ENDED_EXCEPTIONS;
      if (excess <= 0) return list;
      return list.filter((x) => !(ended(x) && excess-- > 0));
    };
    this.record.exceptions = trim(this.record.exceptions, (e) => e.expiredAt !== undefined);
    this.record.exceptionRequests = trim(this.record.exceptionRequests, (r) => r.status !== 'open');
  }

  /** Milliseconds until the next live exception expires or open request times out. */
  msToNextExpiry(now: string): number | undefined {
    const t = Date.parse(now);
    const left = [
      ...this.record.exceptions.filter((e) => !e.expiredAt).map((e) => Date.parse(e.expiresAt) - t),
      ...this.record.exceptionRequests
        .filter((r) => r.status === 'open')
        .map((r) => Date.parse(r.deadline) - t),
    ].filter((ms) => ms > 0);
    return left.length ? Math.min(...left) : undefined;
  }

  /**
   * A closing report (resolved, suppressed, passed) closes the open findings it answers: the same finding id, or,
   * observed no later, the same tool's native id or the same check on the same subject (check key). Each closed
   * one takes the report's status and reason and names the report, so the record shows what closed it.
   */
  private closeRelated(closing: Finding, now: string): boolean {
    const ref = refOf(closing);
    const check = closing.checkKey;
    for (const k of [ref, check]) if (k) this.rememberClosing(k, closing.time);
    let closed = false;
    for (const s of this.record.findings) {
      if (s.status !== 'open') continue;
      // The cheap comparisons first: this runs for every open detail on every closing report.
      const answered =
        s.id === closing.id ||
        (((ref !== undefined && s.ref === ref) || (check !== undefined && s.check === check)) &&
          at(s.time) <= at(closing.time));
      if (!answered) continue;
      s.status = closing.status;
      s.closedAt = closing.time;
      s.lastSeen = now;
      if (closing.statusReason) s.statusReason = closing.statusReason.slice(0, 200);
      if (s.id !== closing.id) s.closedBy = closing.id;
      closed = true;
    }
    return closed;
  }

  /** An open report observed after the one that closed it: open again, without the closing's reason. */
  private reopen(s: FindingSummary, f: Finding, now: string): boolean {
    if (s.status === 'open' || !s.closedAt || !(at(f.time) > at(s.closedAt))) return false;
    s.status = 'open';
    s.time = f.time;
    s.lastSeen = now;
    delete s.closedAt;
    delete s.closedBy;
    delete s.statusReason;
    return true;
  }

  private rememberClosing(key: string, time: string): void {
    const previous = this.record.resolvedRefs[key];
    if (previous && at(previous) >= at(time)) return;
    delete this.record.resolvedRefs[key]; // re-insert: newest last, so trimming drops the oldest
    this.record.resolvedRefs[key] = time;
    const keys = Object.keys(this.record.resolvedRefs);
    for (const old of keys.slice(0, Math.max(0, keys.length - MAX_RESOLVED_REFS)))
      delete this.record.resolvedRefs[old];
  }

  /** The finding arrived after a report that closed it (delivery order is not observation order). */
  private resolvedLater(s: FindingSummary): boolean {
    return [s.ref, s.check].some((k) => {
      const closedAt = k ? this.record.resolvedRefs[k] : undefined;
      return closedAt !== undefined && at(s.time) <= at(closedAt);
    });
  }

  /**
   * Over the cap: drop resolved details first, then plain activity records, then the oldest — down to 90% of the
   * cap, so the work is done once per many deliveries. Two linear passes: this runs inside a signal handler, and
   * a burst of thousands of signals is processed in one workflow activation.
   */
  private trimDetails(): void {
    const list = this.record.findings;
    if (list.length <= MAX_FINDING_DETAILS) return;
    const rank = (s: FindingSummary) => (s.status !== 'open' ? 0 : s.kind === 'activity' ? 1 : 2);
    const perRank = [0, 0, 0];
    for (const s of list) perRank[rank(s)]! += 1;
    let excess = list.length - Math.floor(MAX_FINDING_DETAILS * 0.9);
    const drop = perRank.map((n) => {
      const d = Math.min(n, excess);
      excess -= d;
      return d;
    });
    const kept: FindingSummary[] = [];
    for (const s of list) {
      const r = rank(s);
      if (drop[r]! > 0) {
        drop[r]! -= 1;
        this.details.delete(s.id);
        this.record.forgotten ??= { open: 0, resolved: 0 };
        this.record.forgotten[s.status === 'open' ? 'open' : 'resolved'] += 1;
      } else kept.push(s);
    }
    this.record.findings = kept;
  }
}

/**
 * The open findings as the assessment activity needs them: only what scoring reads, identical ones grouped with a
 * count. Its input is kept in history on every assessment, so it must stay small however many findings there are.
 * Plain activity records score nothing (GuardDuty's count as compromise signals) and are left out.
 */
/** The kinds the policy's rules may act on: those of open findings that are not a tool's sample or test. */
export function actionableKinds(open: readonly FindingSummary[]): FindingKind[] {
  return [...new Set(open.filter((f) => !f.sample).map((f) => f.kind))];
}

export function scoringFindings(open: readonly FindingSummary[]): AssessFinding[] {
  const groups = new Map<string, AssessFinding>();
  for (const f of open) {
    if (f.kind === 'activity' && f.format !== 'guardduty') continue;
    if (f.sample) continue; // a tool's sample/test finding: kept on the record, never a reason to act
    const item: AssessFinding = {
      kind: f.kind,
      severity: f.severity,
      status: f.status,
      title: f.title,
      format: f.format,
      ...(f.public ? { public: true } : {}),
      ...(f.verified !== undefined ? { verified: f.verified } : {}),
    };
    const key = JSON.stringify(item);
    const seen = groups.get(key);
    if (seen) seen.count = (seen.count ?? 1) + 1;
    else groups.set(key, item);
  }
  return [...groups.values()];
}
