// Requests as a reviewer reads them: what is decided (identity, account, action, plan steps and hash), about whom
// (owner from the cloud, last use, every point of the score, capabilities and their paths), and how long is left.
import { formatDuration } from '../schemas/duration.ts';
import type { AccessState } from '../workflows/access/definitions.ts';
import type { ExceptionRequestRecord } from '../workflows/identity/state.ts';
import type { RemediationState } from '../workflows/remediation/definitions.ts';
import type { ListedException, PendingRequest } from './requests-source.ts';

const left = (ms: number) => (ms > 0 ? `${formatDuration(ms)} left` : 'past its deadline');
const needs = (missing: Record<string, number>) =>
  Object.entries(missing)
    .map(([g, n]) => `${n} more of ${g}`)
    .join(' and ') || 'nothing (deciding)';

/** The reviewer's view of one remediation request. */
export function remediationReview(id: string, s: RemediationState, now: number): string[] {
  const i = s.input;
  const ctx = i.context ?? {};
  const out = [
    `remediation ${id}`,
    `  identity     ${i.identity.key} (${i.identity.type}${i.identity.account ? `, account ${i.identity.account}` : ''})`,
    `  action       ${i.action} (rule ${i.ruleId}), status ${s.status}${s.request ? `, round ${s.request.round}` : ''}`,
    `  owner        ${i.owner ?? 'none known'} (from the cloud; cannot approve)`,
    `  last use     ${ctx.lastUsedAt ?? 'unknown'}`,
    `  plan hash    ${s.planHash ?? '-'}`,
  ];
  for (const step of s.plan?.steps ?? [])
    out.push(
      `    ${step.api} ${step.target}${Object.keys(step.detail).length ? ` ${JSON.stringify(step.detail)}` : ''}`,
    );
  if (s.plan?.noop) out.push(`    no-op: ${s.plan.noop}`);
  if (ctx.score !== undefined) out.push(`  score        ${ctx.score}`);
  for (const f of ctx.factors ?? []) out.push(`    +${f.contribution} ${f.id}: ${f.reason}`);
  if (ctx.capabilities?.length) out.push('  capabilities');
  for (const c of ctx.capabilities ?? []) out.push(`    ${c.id} (${c.weight}) via ${c.path.join(' → ')}`);
  out.push(`  reasons      ${i.reasons.join('; ')}`);
  out.push(...gateLines(i.approval?.groups, s, now));
  if (s.pausedBy) out.push(`  paused by    exception ${s.pausedBy.exceptionId} until ${s.pausedBy.until}`);
  return out;
}

/** The reviewer's view of one exception request. */
export function exceptionReview(
  publicId: string,
  r: Omit<ExceptionRequestRecord, 'directory'>,
  identity: { key: string; owner?: string | null; score?: number },
  now: number,
): string[] {
  return [
    `exception request ${publicId}`,
    `  identity     ${identity.key}${identity.score !== undefined ? ` (score ${identity.score})` : ''}`,
    `  owner        ${identity.owner ?? 'none known'} (cannot approve)`,
    `  pauses       ${r.action} for ${r.for}${r.ticket ? `, ticket ${r.ticket}` : ''}`,
    `  requested by ${r.requestedBy}: ${r.reason}`,
    `  approvers    a different person from ${r.approvers.join(', ')}`,
    `  status       ${r.status}; deadline ${r.deadline} (${left(Date.parse(r.deadline) - now)})`,
  ];
}

/** The reviewer's view of one access request: what would be issued, to whom, on which checks. */
export function accessReview(id: string, s: AccessState, now: number): string[] {
  const t = s.terms;
  const c = s.checks;
  const out = [
    `access request ${id}`,
    `  action       ${t.action} for ${t.identityKey}, ${t.duration}${t.ticket ? `, ticket ${t.ticket}` : ''}`,
    `  requested by ${s.requestedBy}: ${t.reason} (cannot approve)`,
    `  checks       risk ${c?.riskScore ?? '?'} below ceiling ${c?.riskCeiling ?? '?'}; open compromise findings ${c?.compromise.length ?? 0}; paused ${c?.paused ? 'yes' : 'no'}`,
  ];
  if (s.plan) {
    out.push(`  role         ${s.plan.roleArn}, ${s.plan.durationSeconds}s`);
    out.push(`  session      ${s.plan.sessionPolicy}`);
  }
  out.push(`  plan hash    ${s.planHash ?? '-'}`);
  out.push(...gateLines(s.plan?.action.approval?.groups, s, now));
  return out;
}

export function pendingLine(p: PendingRequest): string[] {
  if (p.kind === 'access') {
    const t = p.state.terms;
    return [
      `access     ${p.id}`,
      `           ${t.action} for ${t.identityKey}, ${t.duration}, asked by ${p.state.requestedBy}: ${t.reason}; needs ${needs(p.missing)}; ${left(p.msLeft)}`,
    ];
  }
  if (p.kind === 'approval') {
    const i = p.state.input;
    return [
      `approval   ${p.id}`,
      `           ${i.action} on ${i.identity.key}, owner ${i.owner ?? 'none'}, score ${i.context?.score ?? '?'}; ${p.status}; needs ${needs(p.missing)}; ${left(p.msLeft)}`,
    ];
  }
  return [
    `exception  ${p.id}`,
    `           pause ${p.request.action} for ${p.request.for}, asked by ${p.request.requestedBy}: ${p.request.reason}; needs 1 of ${p.request.approvers.join(', ')}; ${left(p.msLeft)}`,
  ];
}

export function exceptionLine(e: ListedException, now: number): string {
  const state = e.revokedAt
    ? `revoked by ${e.revokedBy} at ${e.revokedAt}`
    : e.live
      ? `live until ${e.expiresAt} (${left(Date.parse(e.expiresAt) - now)})`
      : `expired ${e.expiresAt}`;
  return `${e.publicId}  ${e.action}  ${state}; requested by ${e.requestedBy}, approved by ${e.approvedBy}: ${e.reason}${e.ticket ? ` [${e.ticket}]` : ''}`;
}

/** The approval gate as a reviewer reads it: who must still approve, who did, and until when. */
function gateLines(
  groups: Record<string, number> | undefined,
  gate: {
    request?: { escalatedTo?: string; deadline: string };
    approvals: readonly { by: string }[];
  },
  now: number,
): string[] {
  const needs = Object.entries(groups ?? {})
    .map(([g, n]) => `${n} of ${g}`)
    .join(' AND ');
  const escalated = gate.request?.escalatedTo ? ` (or 1 of ${gate.request.escalatedTo}: escalated)` : '';
  const out = [`  needs        ${needs}${escalated}`];
  if (gate.approvals.length) out.push(`  approved by  ${gate.approvals.map((a) => a.by).join(', ')}`);
  if (gate.request)
    out.push(`  deadline     ${gate.request.deadline} (${left(Date.parse(gate.request.deadline) - now)})`);
  return out;
}
