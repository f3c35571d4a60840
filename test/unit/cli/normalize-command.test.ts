// `nhi normalize`: the summary names the shape auto chose for each file (also for an empty report), and --json
// carries it in each finding's source.variant.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.ts';
import { fixturesDir } from '../../support/corpus.ts';

async function nhi(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

const fixture = (f: string) => join(fixturesDir, f);

describe('nhi normalize names the shape it chose', () => {
  it('text: one summary line per file with <format>/<variant>', async () => {
    const r = await nhi(
      'normalize',
      fixture('gitleaks/v7.5-report.json'),
      fixture('asff/eventbridge-custom-action.json'),
    );
    expect(r.code).toBe(0);
    expect(r.err[0]).toMatch(/v7\.5-report\.json: auto → gitleaks\/v7, 3 record\(s\)$/);
    expect(r.err[1]).toMatch(
      /eventbridge-custom-action\.json: auto → asff\/eventbridge-custom-action, 1 record\(s\)$/,
    );
  });

  it('--json: every finding carries source.variant', async () => {
    const r = await nhi('normalize', '--json', fixture('trivy/repo-secrets.json'));
    expect(r.code).toBe(0);
    const variants = r.out.map((l) => JSON.parse(l).source.variant);
    expect(variants).toEqual(['trivy/repo', 'trivy/repo']);
  });

  it('an empty report: exit 0, zero records, the shape still named', async () => {
    const r = await nhi('normalize', fixture('trivy/schema-v1-results.json'));
    expect(r.code).toBe(0);
    expect(r.out).toEqual([]);
    expect(r.err[0]).toMatch(/schema-v1-results\.json: auto → trivy\/schema-v1, 0 record\(s\)$/);
  });

  it('an explicit --format: the shape found within it', async () => {
    const r = await nhi('normalize', '--format', 'guardduty', fixture('guardduty/get-findings-cli.json'));
    expect(r.code).toBe(0);
    expect(r.err[0]).toMatch(/get-findings-cli\.json: guardduty → guardduty\/get-findings, 1 record\(s\)$/);
  });
});
