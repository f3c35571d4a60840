// What deploy/ queries: the PromQL expressions of the Grafana dashboard and the alert rules, the metric names in
// them, and the nhi_* metrics runtime/ registers. Shared by the unit check and the scrape of a real worker.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));

export function dashboardExpressions(): string[] {
  const dashboard = JSON.parse(readFileSync(join(root, 'deploy', 'grafana', 'nhi-enforce.json'), 'utf8'));
  return dashboard.panels.flatMap((p: { targets?: Array<{ expr: string }> }) =>
    (p.targets ?? []).map((t) => t.expr),
  );
}

export function alertExpressions(): string[] {
  const rules = parse(readFileSync(join(root, 'deploy', 'prometheus', 'alerts.yaml'), 'utf8'));
  return rules.groups.flatMap((g: { rules: Array<{ expr: string }> }) => g.rules.map((r) => r.expr));
}

export const metricNames = (exprs: string[]): string[] => [
  ...new Set(exprs.flatMap((e) => [...e.matchAll(/\b((?:nhi|temporal)_[a-z_]+)\b/g)].map((m) => m[1]!))),
];

export function registeredMetrics(): Set<string> {
  const source = readdirSync(join(root, 'runtime'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => readFileSync(join(root, 'runtime', f), 'utf8'))
    .join('\n');
  return new Set([...source.matchAll(/name: '(nhi_[a-z_]+)'/g)].map((m) => m[1]!));
}
