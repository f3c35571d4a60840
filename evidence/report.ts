// The reviewer report: Markdown and one self-contained HTML page (inline CSS, no script, no network), rendered
// only from the summaries and the export's metadata, so verify can render it again and compare.
import { type CaseSummary, decisionOutcome } from './case-summary.ts';
import { CONTROL_TABLE } from './controls.ts';
import type { ExportQuery } from './manifest.ts';
import type { RemediationSummary } from './summary.ts';

export interface ReportMeta {
  exportedAt: string;
  namespace: string;
  query: ExportQuery;
  sequence: number;
  previous: { sequence: number; manifestSha256: string } | null;
  /** Base URL of Temporal's Web UI, when the export links each workflow run to its page there. */
  webUi?: string;
}

interface Row {
  cells: string[];
}

const count = <T>(items: T[], key: (t: T) => string[]) => {
  const m = new Map<string, number>();
  for (const t of items) for (const k of key(t)) m.set(k, (m.get(k) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
};

/** Minutes from the earliest finding observed to the first action, for enforcements that acted. */
export function findingToAction(s: RemediationSummary): number | undefined {
  const found = s.findings.map((f) => Date.parse(f.time ?? '')).filter(Number.isFinite);
  const acted = s.apiCalls.map((c) => Date.parse(c.at)).filter(Number.isFinite);
  if (!found.length || !acted.length) return undefined;
  return Math.round((Math.min(...acted) - Math.min(...found)) / 60_000);
}

const fmtMinutes = (m: number) =>
  m < 120 ? `${m} min` : m < 48 * 60 ? `${(m / 60).toFixed(1)} h` : `${(m / 1440).toFixed(1)} d`;

interface Section {
  title: string;
  id: string;
  paragraphs?: string[];
  links?: Array<{ text: string; href: string }>;
  tables?: Array<{ caption?: string; head: string[]; rows: Row[] }>;
  children?: Section[];
}

function overview(summaries: RemediationSummary[], meta: ReportMeta, others: CaseSummary[]): Section {
  const times = summaries
    .map(findingToAction)
    .filter((m): m is number => m !== undefined)
    .sort((a, b) => a - b);
  // A fixed order: the report is rendered again from the parsed manifest, whose key order is the schema's.
  const q = (['identity', 'action', 'since', 'until', 'window'] as const)
    .map((k) => [k, meta.query[k]] as const)
    .filter(([, v]) => v)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return {
    title: 'Summary',
    id: 'summary',
    paragraphs: [
      `Export #${meta.sequence} of namespace ${meta.namespace}, ${meta.exportedAt}${q ? `, selected by ${q}` : ''}.`,
      meta.previous
        ? `Follows export #${meta.previous.sequence} (manifest sha256 ${meta.previous.manifestSha256}).`
        : 'First export of its chain.',
      `${summaries.length} enforcement(s) on ${new Set(summaries.map((s) => s.identity.key)).size} identit(ies).`,
      times.length
        ? `Time from finding to action: median ${fmtMinutes(times[Math.floor(times.length / 2)]!)}, fastest ${fmtMinutes(times[0]!)}, slowest ${fmtMinutes(times.at(-1)!)} (${times.length} enforcement(s) that acted).`
        : 'Time from finding to action: no enforcement acted.',
      ...(others.length
        ? [
            `${others.length} other case(s): ${count(others, (c) => [c.kind])
              .map(([k, n]) => `${n} ${k}`)
              .join(', ')}.`,
          ]
        : []),
    ],
    tables: [
      {
        caption: 'By action',
        head: ['action', 'count'],
        rows: count(summaries, (s) => [s.enforcement.action]).map(([k, n]) => ({ cells: [k, String(n)] })),
      },
      {
        caption: 'By outcome',
        head: ['outcome', 'count'],
        rows: count(summaries, (s) => [s.status]).map(([k, n]) => ({ cells: [k, String(n)] })),
      },
      {
        caption: 'By control',
        head: ['control', 'enforcements'],
        rows: count(summaries, (s) => s.controls.map((c) => `${c.id} ${c.title}`)).map(([k, n]) => ({
          cells: [k, String(n)],
        })),
      },
      {
        caption: 'Other cases by kind and status',
        head: ['case', 'status', 'count'],
        rows: count(others, (c) => [`${c.kind}\u0000${c.status}`]).map(([k, n]) => ({
          cells: [...k.split('\u0000'), String(n)],
        })),
      },
      {
        caption: 'Other cases by control',
        head: ['control', 'cases'],
        rows: count(others, (c) => c.controls.map((x) => `${x.id} ${x.title}`)).map(([k, n]) => ({
          cells: [k, String(n)],
        })),
      },
    ],
  };
}

/** A case of any other kind: its own lines, timeline, decision trail and controls. */
function otherCase(c: CaseSummary, meta: ReportMeta): Section {
  return {
    ...(meta.webUi
      ? {
          links: c.runIds.map((run) => ({
            text: `Temporal Web UI: run ${run}`,
            href: webUiRunUrl(meta.webUi!, meta.namespace, c.workflowId, run),
          })),
        }
      : {}),
    title: `${c.kind} ${c.id}`,
    id: `case-${c.kind}-${c.id}`,
    paragraphs: [
      ...c.lines,
      `Workflow ${c.workflowId} (run ${c.runIds.join(', ')}).`,
      `Action: ${c.enforcement.action}. Target: ${c.enforcement.target.join(', ') || '(none)'}.`,
      `Approvers: ${c.enforcement.approvers.join(', ') || '(none)'}. Refused by: ${c.enforcement.refusedBy.join(', ') || '(nobody)'}.`,
      `Policy decision: ${c.enforcement.policyDecision}.`,
    ],
    tables: [
      {
        caption: 'Timeline',
        head: ['time', 'what'],
        rows: c.timeline.map((t) => ({ cells: [t.at, t.what] })),
      },
      {
        caption: 'Decision trail',
        head: ['time', 'decision', 'by', 'reason', 'outcome', 'signature'],
        rows: c.decisions.map((d) => ({
          cells: [
            d.at,
            d.kind,
            d.by ?? '',
            d.reason ?? '',
            decisionOutcome(d),
            d.signatureValid === undefined ? '' : d.signatureValid ? 'verifies' : 'does not verify',
          ],
        })),
      },
      {
        caption: 'Controls',
        head: ['framework', 'control', 'why'],
        rows: c.controls.map((x) => ({ cells: [x.framework, `${x.id} ${x.title}`, x.why] })),
      },
    ],
  };
}

function planWhyNot(plan: NonNullable<RemediationSummary['plan']>): string {
  if (plan.refused) return `, refused: ${plan.refused}`;
  if (plan.notApplicable) return `, not applicable: ${plan.notApplicable}`;
  return plan.noop ? `, nothing to do: ${plan.noop}` : '';
}

/** The page of one workflow run in Temporal's Web UI. */
export const webUiRunUrl = (webUi: string, namespace: string, workflowId: string, runId: string) =>
  `${webUi.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`;

function enforcement(s: RemediationSummary, meta: ReportMeta): Section {
  const tta = findingToAction(s);
  return {
    ...(meta.webUi
      ? {
          // Every workflow the case is derived from: the remediation, its follow-up, and its identity's run.
          links: [
            ...s.runIds.map((run) => ({
              text: `Temporal Web UI: run ${run}`,
              href: webUiRunUrl(meta.webUi!, meta.namespace, s.workflowId, run),
            })),
            ...(s.followUp?.runIds ?? []).map((run) => ({
              text: `Temporal Web UI: follow-up run ${run}`,
              href: webUiRunUrl(meta.webUi!, meta.namespace, s.followUp!.workflowId, run),
            })),
            ...(s.parent?.runId
              ? [
                  {
                    text: `Temporal Web UI: identity workflow run ${s.parent.runId}`,
                    href: webUiRunUrl(meta.webUi!, meta.namespace, s.parent.workflowId, s.parent.runId),
                  },
                ]
              : []),
          ],
        }
      : {}),
    title: `${s.enforcement.action} on ${s.identity.key}`,
    id: `wf-${s.workflowId}`,
    paragraphs: [
      `Workflow ${s.workflowId} (run ${s.runIds.join(', ')}), status ${s.status}.`,
      `Identity ${s.identity.key}${s.identity.account ? ` in account ${s.identity.account}` : ''}${s.identity.owner ? `, owner ${s.identity.owner}` : ''}.`,
      `Policy decision: ${s.enforcement.policyDecision}${s.policy.policySha256 ? `; policy sha256 ${s.policy.policySha256}` : ''}.`,
      `Target: ${s.enforcement.target.join(', ') || '(none)'}.`,
      `Approvers: ${s.enforcement.approvers.join(', ') || '(none)'}. Refused by: ${s.enforcement.refusedBy.join(', ') || '(nobody)'}.`,
      ...(s.plan ? [`Plan sha256 ${s.plan.sha256}${planWhyNot(s.plan)}.`] : []),
      ...(s.verification !== undefined
        ? [`Verification${s.verifiedBy ? ` (${s.verifiedBy})` : ''}: ${JSON.stringify(s.verification)}.`]
        : []),
      ...(s.rollback
        ? [
            `Rolled back: ${s.rollback
              .map(
                (r) =>
                  `${r.at} by ${r.by ?? '?'}${r.reason ? ` (${r.reason})` : ''}${
                    r.verification ? `, ${r.verification.ok ? 'verified' : 'not verified'}` : ''
                  }`,
              )
              .join('; ')}.`,
          ]
        : []),
      ...(tta !== undefined ? [`Finding to action: ${fmtMinutes(tta)}.`] : []),
    ],
    tables: [
      {
        caption: 'Timeline',
        head: ['time', 'what'],
        rows: s.timeline.map((t) => ({ cells: [t.at, t.what] })),
      },
      {
        caption: 'Findings',
        head: ['id', 'kind', 'source', 'observed'],
        rows: s.findings.map((f) => ({
          cells: [
            f.id,
            f.kind ?? '?',
            f.source?.product ?? (f.missing ? 'not in history' : '?'),
            f.time ?? '',
          ],
        })),
      },
      {
        caption: 'Score',
        head: ['factor', 'points', 'weight', 'contribution', 'reason'],
        rows: (s.score?.factors ?? []).map((f) => ({
          cells: [f.id, String(f.points ?? ''), String(f.weight ?? ''), String(f.contribution), f.reason],
        })),
      },
      {
        caption: 'Decision trail',
        head: ['time', 'decision', 'by', 'reason', 'outcome'],
        rows: s.decisions.map((d) => ({
          cells: [d.at, `${d.kind} (${d.name})`, d.by ?? '', d.reason ?? '', decisionOutcome(d)],
        })),
      },
      // Who tried to stop, undo or redirect this enforcement without authority, and why it was refused.
      ...(s.refused?.length
        ? [
            {
              caption: 'Refused messages',
              head: ['time', 'where', 'message', 'claimed by', 'why refused'],
              rows: s.refused.map((r) => ({
                cells: [r.at, r.where, r.message, r.claimedBy ?? '', r.reason],
              })),
            },
          ]
        : []),
      ...(s.rescanClosures?.length
        ? [
            {
              caption: 'Findings closed by a rescan',
              head: ['time', 'scope', 'check', 'reason'],
              rows: s.rescanClosures.map((c) => ({
                cells: [c.at, c.scope, c.checkKey ?? '', c.reason ?? ''],
              })),
            },
          ]
        : []),
      {
        caption: 'API calls',
        head: ['time', 'api', 'target', 'outcome'],
        rows: s.apiCalls.map((c) => ({ cells: [c.at, c.api, c.target, c.outcome] })),
      },
      {
        caption: 'Controls',
        head: ['framework', 'control', 'why'],
        rows: s.controls.map((c) => ({ cells: [c.framework, `${c.id} ${c.title}`, c.why] })),
      },
    ],
  };
}

function sections(summaries: RemediationSummary[], meta: ReportMeta, others: CaseSummary[]): Section[] {
  const byIdentity = new Map<string, RemediationSummary[]>();
  for (const s of summaries) byIdentity.set(s.identity.key, [...(byIdentity.get(s.identity.key) ?? []), s]);
  const othersOf = (key: string) => others.filter((c) => c.identity.key === key);
  for (const c of others) if (!byIdentity.has(c.identity.key)) byIdentity.set(c.identity.key, []);
  const identities: Section[] = [...byIdentity.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([key, list]) => ({
      // The enforcement control's and the registry's refusals are keyed by their workflow, not an identity.
      title: `${list.length === 0 && othersOf(key).every((c) => c.kind.endsWith('-refusal')) ? 'Workflow' : 'Identity'} ${key}`,
      id: `identity-${key}`,
      paragraphs: [
        `${list.length} enforcement(s)${list.length ? `: ${list.map((s) => `${s.enforcement.action} (${s.status})`).join(', ')}` : ''}.`,
        ...(othersOf(key).length
          ? [
              `${othersOf(key).length} other case(s): ${othersOf(key)
                .map((c) => `${c.kind} ${c.id} (${c.status})`)
                .join(', ')}.`,
            ]
          : []),
        ...(list[0]?.score ? [`Score ${list[0].score.value} at ${list[0].score.assessedAt ?? '?'}.`] : []),
      ],
      children: [...list.map((s) => enforcement(s, meta)), ...othersOf(key).map((c) => otherCase(c, meta))],
    }));
  const controls: Section = {
    title: 'Control table',
    id: 'controls',
    paragraphs: ['How a decision maps to a control (evidence/controls.ts).'],
    tables: [
      {
        head: ['framework', 'control', 'applies when'],
        rows: CONTROL_TABLE.map((c) => ({ cells: [c.framework, `${c.id} ${c.title}`, c.why] })),
      },
    ],
  };
  return [overview(summaries, meta, others), ...identities, controls];
}

const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function toMarkdown(list: Section[], depth = 2): string[] {
  const out: string[] = [];
  for (const s of list) {
    out.push(`${'#'.repeat(depth)} ${s.title}`, '');
    for (const p of s.paragraphs ?? []) out.push(p, '');
    for (const l of s.links ?? []) out.push(`[${l.text}](${l.href})`, '');
    for (const t of s.tables ?? []) {
      if (!t.rows.length) continue;
      if (t.caption) out.push(`**${t.caption}**`, '');
      out.push(`| ${t.head.join(' | ')} |`, `| ${t.head.map(() => '---').join(' | ')} |`);
      for (const r of t.rows) out.push(`| ${r.cells.map(mdCell).join(' | ')} |`);
      out.push('');
    }
    out.push(...toMarkdown(s.children ?? [], depth + 1));
  }
  return out;
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const anchor = (id: string) => esc(id.replace(/[^A-Za-z0-9_-]+/g, '-'));

function toHtml(list: Section[], depth = 2): string[] {
  const out: string[] = [];
  for (const s of list) {
    const cls = s.id.startsWith('wf-')
      ? 'enforcement'
      : s.id.startsWith('case-')
        ? 'case'
        : s.id.startsWith('identity-')
          ? 'identity'
          : 'part';
    out.push(`<section id="${anchor(s.id)}" class="${cls}"><h${depth}>${esc(s.title)}</h${depth}>`);
    for (const p of s.paragraphs ?? []) out.push(`<p>${esc(p)}</p>`);
    for (const l of s.links ?? [])
      out.push(`<p class="link"><a href="${esc(l.href)}">${esc(l.text)}</a></p>`);
    for (const t of s.tables ?? []) {
      if (!t.rows.length) continue;
      out.push('<table>');
      if (t.caption) out.push(`<caption>${esc(t.caption)}</caption>`);
      out.push(`<thead><tr>${t.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>`);
      for (const r of t.rows) out.push(`<tr>${r.cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`);
      out.push('</tbody></table>');
    }
    out.push(...toHtml(s.children ?? [], Math.min(depth + 1, 6)), '</section>');
  }
  return out;
}

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.6rem}h2{border-bottom:2px solid #ccc;padding-bottom:.2rem;margin-top:2rem}
section.enforcement,section.case{border:1px solid #ddd;border-radius:6px;padding:.5rem 1rem;margin:1rem 0;background:#fafafa}
table{border-collapse:collapse;margin:.5rem 0 1rem;width:100%}caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top;word-break:break-word}
th{background:#f0f0f0}nav a{margin-right:1rem}`;

export function renderReport(
  summaries: RemediationSummary[],
  meta: ReportMeta,
  others: CaseSummary[] = [],
): { markdown: string; html: string } {
  const list = sections(summaries, meta, others);
  const title = `nhi-enforce evidence #${meta.sequence} — ${meta.exportedAt}`;
  const markdown = [`# ${title}`, '', ...toMarkdown(list)].join('\n');
  const nav = list.map((s) => `<a href="#${anchor(s.id)}">${esc(s.title)}</a>`).join('');
  const html = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>${esc(title)}</title><style>${CSS}</style></head><body>`,
    `<h1>${esc(title)}</h1><nav>${nav}</nav>`,
    ...toHtml(list),
    '</body></html>',
    '',
  ].join('\n');
  return { markdown, html };
}
