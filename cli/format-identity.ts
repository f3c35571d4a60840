// Identities as text for people (machines use --json): who owns it, when it was last used, what it can do and
// through which roles, why it scores what it scores (every factor's reason), and what is being done about it.
import { latestProposal, proposalGate, REPROPOSABLE } from '../risk/proposals.ts';
import { describePath, shortName } from '../risk/reach.ts';
import { TEAM_VERIFIED } from '../schemas/team-verification.ts';
import type { IdentityRecord } from '../workflows/identity/state.ts';
import type { IdentityListing, RemediationView } from './identity-source.ts';

const DAY = 86_400_000;
const CAPABILITIES_PER_PATH = 4;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const ago = (iso: string, now: number) => {
  const days = Math.floor((now - Date.parse(iso)) / DAY);
  return days <= 0 ? 'today' : `${plural(days, 'day')} ago`;
};
const scoreText = (score: number | undefined) => (score === undefined ? '  -' : String(score).padStart(3));

/** Three lines at most per identity: score, key, type, owner; why; what is pending. */
export function identityListing(i: IdentityListing): string[] {
  const owner = i.owner === undefined ? '' : `, owner ${i.owner ?? 'none'}`;
  const lines = [`${scoreText(i.score)}  ${i.key}  (${i.type ?? 'unknown type'}${owner})`];
  if (i.factors.length)
    lines.push(
      `     why: ${i.factors.map((f) => `+${f.contribution} ${f.id}: ${clip(f.reason, 70)}`).join('; ')}`,
    );
  else if (i.score === undefined) lines.push('     not assessed yet');
  if (i.pendingActions.length) lines.push(`     pending: ${i.pendingActions.join(', ')}`);
  return lines;
}

function remediationLine(r: RemediationView): string {
  const status = r.state?.status ?? r.execution.toLowerCase();
  const approvals = r.state?.approvals.length
    ? `, approved by ${r.state.approvals.map((a) => a.by).join(', ')}`
    : '';
  const rejected = r.state?.rejection
    ? `, rejected by ${r.state.rejection.by}: ${r.state.rejection.reason}`
    : '';
  // A team action's verification is its worker's report: said so, never plain "verified".
  const verified = r.state?.verification
    ? `, ${r.state.teamAction ? TEAM_VERIFIED : 'verified'}: ${r.state.verification.detail}`
    : '';
  const plan = r.state?.plan;
  const why = plan?.refused ?? plan?.notApplicable ?? plan?.noop;
  const because = why ? `: ${why}` : '';
  const target = r.target ? `, acts on ${r.target}` : '';
  const open =
    r.state?.status === 'awaiting-approval' && r.state.request
      ? `, open request round ${r.state.request.round} until ${r.state.request.deadline} (nhi approve ${r.workflowId})`
      : '';
  const taken = r.alreadyStarted ? ' (id was already taken: that run counts)' : '';
  const which = r.observe ? 'observe plan' : `proposal ${r.epoch ?? 0}`;
  const ended = r.ended ? `, ended ${r.ended.status} at ${r.ended.at}` : '';
  const rearmed = r.rearmedAt ? `, re-armed ${r.rearmedAt}` : '';
  const brake = r.state?.hold
    ? `\n      held since ${r.state.hold.since}: ${r.state.hold.reason}`
    : r.state?.approvalReason
      ? `\n      needs approval: ${r.state.approvalReason}`
      : r.state?.refusal && r.state.refusal !== plan?.refused
        ? `\n      refused: ${r.state.refusal}`
        : '';
  // Messages this remediation refused (a forged signal, a cancel request): the newest, and how many.
  const refusedList = r.state?.refusedMessages ?? [];
  const last = refusedList.at(-1);
  const refused = last
    ? `\n      refused ${refusedList.length} message(s), newest ${last.at} ${last.message}${last.claimedBy ? ` claimed by ${last.claimedBy}` : ''}: ${clip(last.reason, 160)}`
    : '';
  // A team action's phase nobody picked up: the team's worker is away (the remediation waits, or fails as the rule says).
  const w = r.state?.waitingForWorker;
  const worker = !w
    ? ''
    : r.state?.status === 'failed'
      ? `\n      failed for want of a worker: none picked up its ${w.phase} phase on task queue ${w.taskQueue} (waiting since ${w.since})`
      : `\n      waiting for a worker since ${w.since}: none has picked up its ${w.phase} phase on task queue ${w.taskQueue}`;
  // What comes next for one that ended because of configuration, and who retried one (nhi remediation retry).
  const next = r.retry
    ? `\n      retried by ${r.retry.by} at ${r.retry.at} (round ${r.retry.round}): ${clip(r.retry.reason, 160)}`
    : r.ended?.cause === 'configuration'
      ? `\n      ended because of configuration: proposed again when the policy or the registered team actions change, or now: nhi remediation retry ${r.workflowId} --as WHO --reason R`
      : '';
  return `    ${r.action.padEnd(16)} ${status.padEnd(18)} ${which}, rule ${r.ruleId} (${r.mode}) at score ${r.score}, ${r.startedAt}${target}${because}${approvals}${rejected}${verified}${ended}${rearmed}${open}${taken}\n      ${r.workflowId}${brake}${worker}${refused}${next}`;
}

function followUpLine(f: NonNullable<RemediationView['followUp']>): string {
  const rolledBack = f.rollback
    ? `rolled back by ${f.rollback.by} at ${f.rollback.at}: ${f.rollback.reason}${f.rollback.verification ? ` (${f.rollback.verification.detail})` : ''}`
    : '';
  const watching = `re-checked until ${f.until}${f.lastCheck ? `, last ${f.lastCheck.at}: ${f.lastCheck.ok ? 'ok' : f.lastCheck.detail}` : ''}`;
  const drift = f.drifts ? `, drift seen ${f.drifts}×` : '';
  return `      follow-up: ${f.status}; ${rolledBack || watching}${drift}`;
}

/**
 * Why a rule that fired at the latest assessment starts nothing, when its action's proposal ended for good since
 * (the reason recorded then said it was still running): the state now, in the policy gate's own words.
 */
function skippedNow(record: IdentityRecord, action: string): string | undefined {
  const latest = latestProposal(record.remediations, action);
  const assessedAt = record.assessment?.assessedAt;
  if (!latest?.ended || REPROPOSABLE.includes(latest.ended.status)) return undefined;
  if (assessedAt && Date.parse(assessedAt) >= Date.parse(latest.ended.at)) return undefined;
  const gate = proposalGate(record.remediations, action, latest.ended.at, 0);
  return gate.open ? undefined : gate.reason;
}

/** The full record, readable by a reviewer. `now` only for "N days ago". */
export function identityReport(
  record: IdentityRecord,
  remediations: RemediationView[],
  now: number,
): string[] {
  const id = record.identity;
  const a = record.assessment;
  const out: string[] = [id.key];
  const row = (label: string, text: string) => out.push(`  ${label.padEnd(13)} ${text}`);

  const where = [id.provider, id.account ? `account ${id.account}` : ''].filter(Boolean).join(', ');
  row('type', `${id.type} (${where})${id.aliases.length ? `, aliases ${id.aliases.join(', ')}` : ''}`);
  if (a?.principal && a.principal !== id.key) row('belongs to', `${a.principal} (IAM)`);
  const owner =
    a?.owner === undefined
      ? 'unknown (not assessed in AWS)'
      : a.owner === null
        ? 'none (no owner tag, not in the owners file)'
        : `${a.owner} (${a.ownerFrom ?? 'tag'})`;
  row('owner', owner);
  const claimed = record.claims?.owners ?? [];
  if (claimed.length)
    row('claimed owner', `${claimed.join(', ')} (what findings said; not used to act or score)`);

  const c = a?.credentials ?? {};
  if (c.keyAgeDays !== undefined) {
    const used = c.lastUsedAt ? `${c.lastUsedAt} (${ago(c.lastUsedAt, now)})` : 'never';
    row(
      'last use',
      `${used}; oldest active key ${plural(c.keyAgeDays, 'day')} old, unused for ${plural(c.unusedDays ?? 0, 'day')}`,
    );
  } else if (c.userName) row('last use', 'no active access key');
  else row('last use', id.type === 'aws-role' ? 'not tracked for roles (no access keys)' : 'unknown');
  if (record.lastSeen) row('last finding', `${record.lastSeen} (${ago(record.lastSeen, now)})`);

  if (!a) {
    row(
      'risk score',
      record.assessmentError ? `not assessed: ${record.assessmentError.message}` : 'not assessed yet',
    );
  } else {
    const capped = a.risk.total > a.risk.score ? `, capped from ${a.risk.total}` : '';
    const policy = a.policyHash ? `, policy ${a.policyHash.slice(0, 19)}…` : '';
    const contained = a.risk.contained;
    const residual =
      contained && contained.before !== a.risk.score
        ? `residual risk ${a.risk.score} of 100 after containment (${contained.before} before)`
        : `${a.risk.score} of 100`;
    row('risk score', `${residual}${capped} (assessed ${a.assessedAt}${policy})`);
    for (const reason of contained?.reasons ?? []) out.push(`    contained: ${reason}`);
    if (a.risk.factors.length === 0) out.push('    no risk factors');
    for (const f of a.risk.factors)
      out.push(
        `    +${String(f.contribution).padEnd(3)} ${f.id.padEnd(11)} ${f.reason}  [${f.points} pts × ${f.weight}]`,
      );
    if (a.note) out.push(`    note: ${a.note}`);
    if (record.assessmentError)
      out.push(
        `    last attempt failed (${record.assessmentError.failures}×): ${record.assessmentError.message}; retry at ${record.assessmentError.retryAt}`,
      );
  }

  if (a) {
    // A deactivated key's capabilities are its user's: listed, but not reachable through the key (residual risk).
    const inactive = a.risk.factors.some((f) => f.id === 'residual');
    row(
      'capabilities',
      a.capabilities.length
        ? `${a.capabilities.length} (strongest form, shortest path)${inactive ? `, ${a.principal ? `of ${a.principal}` : 'of its principal'}: none through this key while it is inactive` : ''}`
        : 'none known',
    );
    // An admin reaches dozens of capabilities by one path: show a few per path, name the rest.
    const width = Math.max(0, ...a.capabilities.map((x) => x.id.length));
    const groups = new Map<string, typeof a.capabilities>();
    for (const x of a.capabilities) {
      const key = [describePath(x.path), x.grantedBy?.join(','), x.allResources, x.conditional].join('|');
      groups.set(key, [...(groups.get(key) ?? []), x]);
    }
    for (const group of groups.values()) {
      for (const x of group.slice(0, CAPABILITIES_PER_PATH)) {
        const scope = x.allResources ? '' : ` on ${(x.resources ?? []).join(', ') || 'named resources'}`;
        const cond = x.conditional ? ' (conditional)' : '';
        const by = x.grantedBy?.length ? `  via ${x.grantedBy.join(', ')}` : '';
        out.push(
          `    ${x.id.padEnd(width)} ${String(x.weight).padStart(3)}  ${describePath(x.path)}${scope}${cond}${by}`,
        );
      }
      const rest = group.slice(CAPABILITIES_PER_PATH).map((x) => x.id);
      if (rest.length) out.push(`    … and ${rest.length} more the same way: ${clip(rest.join(', '), 150)}`);
    }
    // What a Deny or the boundary took away, unless it is reached another way anyway.
    const reached = new Set(a.capabilities.map((x) => x.id));
    for (const b of (a.blocked ?? []).filter((b) => !reached.has(b.id)))
      out.push(`    blocked: ${b.id} — ${b.reason}${b.by.length ? ` (${b.by.join(', ')})` : ''}`);
    row('reach', a.roles.length ? `can assume ${plural(a.roles.length, 'role')}` : 'assumes no roles');
    for (const r of a.roles)
      out.push(
        `    ${shortName(r.key)}  ${plural(r.hops, 'hop')}  ${describePath(r.path)}${r.conditional ? ' (conditional)' : ''}`,
      );
  }

  const open = record.findings.filter((f) => f.status === 'open');
  const kinds = Object.entries(record.countsByKind)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  row(
    'findings',
    `${record.findingsTotal ?? record.findingIds.length} delivered (${kinds || 'none'}); ${open.length} open among the latest ${record.findings.length}`,
  );
  for (const f of [...record.findings].reverse().slice(0, 10))
    out.push(
      `    ${f.status.padEnd(10)} ${f.kind.padEnd(20)} ${String(f.severity).padStart(3)}  ${f.format.padEnd(12)} ${f.time}  ${clip(f.title, 80)}`,
    );
  if (record.findings.length > 10) out.push(`    … ${record.findings.length - 10} more (--json for all)`);

  const t = now;
  row('exceptions', record.exceptions.length ? '' : 'none');
  for (const e of record.exceptions) {
    const state = e.revokedAt
      ? `revoked by ${e.revokedBy}`
      : !e.expiredAt && Date.parse(e.expiresAt) > t
        ? 'live'
        : 'expired';
    out.push(
      `    ${e.id ?? '-'} ${e.action.padEnd(16)} ${state.padEnd(8)} until ${e.expiresAt}, requested by ${e.requestedBy}, approved by ${e.approvedBy}: ${e.reason}`,
    );
  }
  const openRequests = (record.exceptionRequests ?? []).filter((r) => r.status === 'open');
  if (openRequests.length)
    row('requests', `${openRequests.length} open exception request(s) (nhi except approve ID)`);
  for (const r of openRequests)
    out.push(
      `    ${r.id}@${id.key} pause ${r.action} for ${r.for}, asked by ${r.requestedBy}: ${r.reason}; open until ${r.deadline}`,
    );
  row('remediations', remediations.length ? '' : 'none');
  for (const r of remediations) {
    out.push(remediationLine(r));
    if (r.followUp) out.push(followUpLine(r.followUp));
  }
  if (record.skipped?.length) {
    row('not started', '');
    for (const s of record.skipped)
      out.push(`    ${s.action.padEnd(16)} rule ${s.ruleId}: ${skippedNow(record, s.action) ?? s.reason}`);
  }
  // Forged, unsealed or undecodable messages the workflow refused: who claimed what, and why not.
  if (record.refusedMessages?.length) {
    row('refused', `${record.refusedMessages.length} message(s) (the newest last)`);
    for (const r of record.refusedMessages.slice(-10))
      out.push(
        `    ${r.at} ${r.message}${r.claimedBy ? ` claimed by ${r.claimedBy}` : ''}: ${clip(r.reason, 160)}`,
      );
  }
  return out.map((l) => l.replace(/\s+$/, ''));
}
