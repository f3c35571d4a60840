// The README's table of workflow messages names every signal, update and query the workflows define: a new
// message without a row (who may send it, how it is checked) fails here.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every `defineSignal|defineUpdate|defineQuery<…>('name')` in workflows/, with its kind. */
function definedMessages(): Array<{ kind: string; name: string; file: string }> {
  const out: Array<{ kind: string; name: string; file: string }> = [];
  for (const file of files(join(root, 'workflows'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/define(Signal|Update|Query)\s*(?:<[^;]*?>)?\s*\(\s*'([^']+)'/g))
      out.push({ kind: m[1]!.toLowerCase(), name: m[2]!, file: file.slice(root.length) });
  }
  return out;
}

/** The README's table rows: message names (backticked, comma-separated) per kind. */
function tableMessages(): Set<string> {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('## Who may send what: every workflow message');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 10));
  const names = new Set<string>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 5 || !cells[2]?.startsWith('`')) continue;
    for (const m of cells[2].matchAll(/`([^`]+)`/g)) names.add(`${cells[3]}:${m[1]}`);
  }
  return names;
}

describe('README table of workflow messages', () => {
  it('finds the definitions and the table', () => {
    expect(definedMessages().length).toBeGreaterThan(25);
    expect(tableMessages().size).toBeGreaterThan(25);
  });

  it('names every signal, update and query defined in workflows/', () => {
    const table = tableMessages();
    const missing = definedMessages()
      .filter((m) => !table.has(`${m.kind}:${m.name}`))
      .map((m) => `${m.kind} ${m.name} (${m.file})`);
    expect(missing).toEqual([]);
  });
});
