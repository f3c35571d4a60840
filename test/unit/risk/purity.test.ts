// The risk module and the policy schemas are bundled into Temporal workflow code: no Node APIs, no I/O, no clock,
// no randomness, no timers, and no YAML parser. Checked on the source so a new import cannot slip in.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url);
const riskFiles = readdirSync(new URL('risk/', root))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => `risk/${f}`);
const files = [...riskFiles, 'schemas/policy.ts', 'schemas/iam-policy.ts'];

const FORBIDDEN: [RegExp, string][] = [
  [/from\s+['"]node:/, 'node: import'],
  [/from\s+['"](fs|path|crypto|os|child_process|net|http|https)['"]/, 'Node built-in import'],
  [/from\s+['"]yaml['"]/, 'yaml import'],
  [/\bDate\.now\s*\(/, 'Date.now()'],
  [/\bnew Date\s*\(\s*\)/, 'new Date()'],
  [/\bMath\.random\s*\(/, 'Math.random()'],
  [/\b(setTimeout|setInterval|setImmediate)\s*\(/, 'timer'],
  [/\bprocess\./, 'process'],
  [/\b(fetch|require)\s*\(/, 'I/O or require'],
];

describe('workflow-safe modules', () => {
  it.each(files)('%s has no I/O, clock, randomness or timers', (file) => {
    const text = readFileSync(new URL(file, root), 'utf8');
    for (const [pattern, what] of FORBIDDEN) expect(pattern.test(text), `${file}: ${what}`).toBe(false);
    for (const m of text.matchAll(/from\s+['"]([^'"]+)['"]/g)) {
      const spec = m[1]!;
      expect(
        spec === 'zod' || (spec.startsWith('.') && spec.endsWith('.ts')),
        `${file} imports ${spec}`,
      ).toBe(true);
    }
  });

  it('covers every file of the risk module', () => {
    expect(riskFiles.length).toBeGreaterThanOrEqual(7);
  });
});
