// An identity's record, as its workflow keeps it. Pure and deterministic: no I/O, time is passed in.

import type { Assessment } from '../../activities/assess-identity.ts';
import type { Finding, FindingKind } from '../../schemas/finding.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import type { ExceptionRequest } from './definitions.ts';

export interface FindingSummary {
  id: string;
  kind: FindingKind;
  status: Finding['status'];
  severity: number;
  title: string;
  format: Finding['source']['format'];
  time: string;
  firstSeen: string;
  lastSeen: string;
  /** format:nativeId, to match a later "resolved" report of the same finding. */
  ref?: string;
  /** The scanner verified the secret is live. */
  verified?: boolean;
  /** The secret was seen somewhere public. */
  public?: boolean;
}

export interface IdentityRecord {
  identity: IdentityRef;
  /** Every finding id ever delivered, in arrival order: the dedup set, kept compact for continue-as-new. */
  findingIds: string[];
  /** Details of the most recent findings (older ones keep only their id and count). */
  findings: FindingSummary[];
  countsByKind: Partial<Record<FindingKind, number>>;
  firstSeen?: string;
  lastSeen?: string;
  /** The latest assessment: capabilities, reach, score with its factors, policy in force. */
  assessment?: Assessment;
  exceptions: Array<ExceptionRequest & { grantedAt: string }>;
  remediations: RemediationRecord[];
}

export interface RemediationRecord {
  action: string;
  ruleId: string;
  workflowId: string;
  mode: 'auto' | 'approval';
  reasons: string[];
  startedAt: string;
  score: number;
}

/** How many finding details a record carries; ids are kept for all. */
export const MAX_FINDING_DETAILS = 500;

export function emptyRecord(identity: IdentityRef): IdentityRecord {
  return { identity, findingIds: [], findings: [], countsByKind: {}, exceptions: [], remediations: [] };
}

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
  firstSeen: now,
  lastSeen: now,
  ...(refOf(f) ? { ref: refOf(f) } : {}),
  ...(f.secret?.verified !== undefined ? { verified: f.secret.verified } : {}),
  ...(f.evidence.public === true ? { public: true } : {}),
});

export class IdentityState {
  private readonly seen: Set<string>;

  constructor(readonly record: IdentityRecord) {
    this.seen = new Set(record.findingIds);
  }

  /** Merge what another tool says about this identity (aliases, owner, account). */
  learn(ref: IdentityRef): void {
    const id = this.record.identity;
    if (ref.key !== id.key) return;
    const aliases = new Set([...id.aliases, ...ref.aliases]);
    this.record.identity = {
      ...ref,
      ...id,
      aliases: [...aliases],
      owner: id.owner ?? ref.owner,
      account: id.account ?? ref.account,
      name: id.name ?? ref.name,
    };
  }

  /** Adds findings not seen before; returns the new ones. Re-delivery changes nothing. */
  addFindings(findings: Finding[], now: string): Finding[] {
    const fresh: Finding[] = [];
    for (const f of findings) {
      if (this.seen.has(f.id)) {
        const known = this.record.findings.find((s) => s.id === f.id);
        if (known) known.lastSeen = now;
        // Re-delivery changes nothing; a tool saying the problem is gone does.
        if (f.status === 'resolved' && this.closeRelated(f, now)) fresh.push(f);
        continue;
      }
      if (f.status === 'resolved') this.closeRelated(f, now);
      this.seen.add(f.id);
      this.record.findingIds.push(f.id);
      this.record.findings.push(summarize(f, now));
      this.record.countsByKind[f.kind] = (this.record.countsByKind[f.kind] ?? 0) + 1;
      fresh.push(f);
    }
    if (this.record.findings.length > MAX_FINDING_DETAILS) {
      this.record.findings.splice(0, this.record.findings.length - MAX_FINDING_DETAILS);
    }
    if (fresh.length) {
      this.record.firstSeen ??= now;
      this.record.lastSeen = now;
    }
    return fresh;
  }

  has(findingId: string): boolean {
    return this.seen.has(findingId);
  }

  openFindings(): FindingSummary[] {
    return this.record.findings.filter((f) => f.status === 'open');
  }

  /** A resolved finding closes the open ones the same tool reported under the same native id. */
  private closeRelated(resolved: Finding, now: string): boolean {
    const ref = refOf(resolved);
    let closed = false;
    for (const s of this.record.findings) {
      if (s.status === 'open' && (s.id === resolved.id || (ref && s.ref === ref))) {
        s.status = 'resolved';
        s.lastSeen = now;
        closed = true;
      }
    }
    return closed;
  }
}
