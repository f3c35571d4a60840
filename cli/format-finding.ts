// One readable line per finding, for people (machines use --json).
import type { Finding } from '../schemas/finding.ts';

export function findingRow(f: Finding): string {
  const who = f.identities[0]?.key ?? f.resources[0]?.uid ?? '-';
  const more = f.identities.length > 1 ? ` (+${f.identities.length - 1})` : '';
  const state = f.status === 'open' ? '' : ` [${f.status}]`;
  return `${f.severity.label.padEnd(8)} ${String(f.severity.score).padStart(3)}  ${f.kind.padEnd(20)} ${who}${more}  ${f.title}${state}`;
}
