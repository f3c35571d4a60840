// kube-bench: CIS Kubernetes Benchmark results from `kube-bench --json` — `{"Controls": [...], "Totals": {...}}`
// (0.3+), a bare array of Controls, or one Controls object (one record per Controls object, i.e. per node type
// master/node/etcd/controlplane/policies). Each result under Controls[].tests[].results[] is one check.
//
// Which results are findings:
//   FAIL → a finding, severity medium (50), scored or not (whether CIS scores it is kept as evidence.scored).
//   WARN → a finding too, severity info (10): kube-bench says WARN when a check is manual or could not be
//          evaluated, so it is not a proven failure — visible to a reviewer, but carrying no risk weight.
//   PASS and INFO → not findings (compliant, or purely informational), skipped.
// Kind: misconfiguration; the RBAC checks about cluster-admin use, wildcards in Roles/ClusterRoles and the bind/
//   impersonate/escalate verbs (5.1.1, 5.1.3, 5.1.8, or a description naming them) → excess-privilege.
// Identities: none — node checks are about files, flags and processes, not identities. The node type checked is
//   the resource (uid "kubernetes/<node_type>").
// Time: kube-bench JSON has no timestamp, so the ingestion day is used (see ingestionTime in siem-common.ts).
// Never copied: `audit` commands and `actual_value` (process command lines can carry tokens and key paths).
import { z } from 'zod';
import type { Finding, FindingKind, SeverityLabel } from '../finding.ts';
import { type Adapter, type NormalizeContext, RecordError } from './adapter.ts';
import { buildFinding } from './build.ts';
import { clip, evidenceOf, ingestionTime } from './siem-common.ts';
import { findingId, isObject, parseRecord } from './util.ts';

const Str = z.string().nullish();

const Result = z.object({
  test_number: z.string(),
  test_desc: Str,
  status: z.string(),
  scored: z.boolean().nullish(),
  type: Str,
  remediation: Str,
  expected_result: Str,
  reason: Str,
});

const Control = z.object({
  id: z.union([z.string(), z.number()]),
  version: Str,
  detected_version: Str,
  text: Str,
  node_type: Str,
  tests: z.array(
    z.object({
      section: z.union([z.string(), z.number()]).nullish(),
      desc: Str,
      results: z.array(Result).nullish(),
    }),
  ),
});
type Control = z.infer<typeof Control>;

const SEVERITY: Record<'FAIL' | 'WARN', { label: SeverityLabel; score: number }> = {
  FAIL: { label: 'medium', score: 50 },
  WARN: { label: 'info', score: 10 },
};

export function kubeBenchKind(testNumber: string, desc: string): FindingKind {
  if (
    ['5.1.1', '5.1.3', '5.1.8'].includes(testNumber) ||
    /cluster-admin|wildcard|impersonate|escalate/i.test(desc)
  )
    return 'excess-privilege';
  return 'misconfiguration';
}

function normalizeControl(control: Control, ctx: NormalizeContext): Finding[] {
  const nodeType = control.node_type ?? 'unknown';
  const time = ingestionTime(ctx);
  const findings: Finding[] = [];
  for (const test of control.tests) {
    for (const r of test.results ?? []) {
      const status = r.status.toUpperCase();
      if (status !== 'FAIL' && status !== 'WARN') continue;
      const scored = r.scored ?? !/\(Not Scored\)|\(Manual\)/i.test(r.test_desc ?? '');
      const severity = SEVERITY[status];
      const desc = r.test_desc ?? `CIS ${r.test_number}`;
      findings.push(
        buildFinding({
          id: findingId(
            'kube-bench',
            nodeType,
            String(control.id),
            control.version ?? undefined,
            r.test_number,
            status,
          ),
          source: {
            format: 'kube-bench',
            product: 'kube-bench',
            vendor: 'Aqua Security',
            nativeId: r.test_number,
          },
          kind: kubeBenchKind(r.test_number, desc),
          status: 'open',
          title: desc,
          description: clip(
            [r.remediation?.trim(), r.reason ? `(${r.reason})` : undefined].filter(Boolean).join(' ') ||
              undefined,
            1000,
          ),
          severity,
          time,
          identities: [],
          resources: [{ uid: `kubernetes/${nodeType}`, type: 'k8s-node-type', name: nodeType }],
          cloud: { provider: 'kubernetes' },
          references: [
            {
              kind: 'control',
              id: `CIS Kubernetes ${control.version ? `${control.version} ` : ''}${r.test_number}`,
            },
          ],
          evidence: evidenceOf({
            result: status,
            scored,
            section: test.section === undefined || test.section === null ? undefined : String(test.section),
            sectionTitle: test.desc ?? undefined,
            control: control.text ?? undefined,
            benchmark: control.version ?? undefined,
            kubernetesVersion: control.detected_version ?? undefined,
            expected: clip(r.expected_result ?? undefined),
            checkType: r.type || undefined,
          }),
        }),
      );
    }
  }
  return findings;
}

const isControl = (v: unknown): boolean =>
  isObject(v) &&
  Array.isArray(v.tests) &&
  'id' in v &&
  ('node_type' in v || 'total_pass' in v || 'total_fail' in v);

function unwrap(doc: unknown): unknown[] {
  if (Array.isArray(doc)) return doc.flatMap(unwrap);
  if (isObject(doc) && Array.isArray(doc.Controls)) return doc.Controls;
  return [doc];
}

export const kubeBenchAdapter: Adapter = {
  format: 'kube-bench',
  signature: 'kube-bench JSON: {Controls: [{id, node_type, tests: [{results: [...]}]}], Totals}',
  detect(doc) {
    if (isObject(doc) && Array.isArray(doc.Controls))
      return doc.Controls.length === 0 ? 'Totals' in doc : isControl(doc.Controls[0]);
    if (Array.isArray(doc)) return doc.length > 0 && isControl(doc[0]);
    return isControl(doc);
  },
  records: unwrap,
  // Current kube-bench writes one {Controls, Totals} document; older versions wrote the controls bare (a list).
  variant(doc) {
    if (isObject(doc) && Array.isArray(doc.Controls)) return 'report';
    return Array.isArray(doc) ? 'controls' : 'control';
  },
  normalize(record, ctx) {
    if (!isObject(record))
      throw new RecordError('not a valid kube-bench record: (record): expected an object');
    return normalizeControl(parseRecord(Control, record, 'kube-bench control'), ctx);
  },
};
