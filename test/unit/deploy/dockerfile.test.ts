// deploy/Dockerfile keeps the rules the chart relies on: multi-stage on Node 20 LTS slim, the final image without
// dev dependencies or sources, a numeric non-root user, nothing to write outside /tmp, `nhi` run from dist/.
// (No container runtime here: hadolint lints it in test/integration/deploy-checks.test.ts, the image is built in
// the user's CI.)
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const text = readFileSync(fileURLToPath(new URL('../../../deploy/Dockerfile', import.meta.url)), 'utf8');
// Instructions, with continuation lines joined and comments dropped.
const instructions = text
  .replace(/\\\n\s*/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const stages: string[][] = [];
for (const line of instructions) {
  if (/^FROM /i.test(line)) stages.push([]);
  stages.at(-1)?.push(line);
}
const final = stages.at(-1)!;
const named = (stage: string[]) => /^FROM \S+ AS (\S+)/i.exec(stage[0]!)?.[1];

describe('deploy/Dockerfile', () => {
  it('is multi-stage on Node 20 LTS slim', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    const base = /^ARG NODE_IMAGE=(\S+)$/m.exec(text)?.[1];
    expect(base).toMatch(/^node:20[\w.-]*-slim$/);
    for (const stage of stages) expect(stage[0]).toMatch(/^FROM \$\{NODE_IMAGE\}/);
  });

  it('the final image has production dependencies only, dist/ and no sources', () => {
    const deps = stages.find((s) => s.some((l) => /npm ci --omit=dev/.test(l)))!;
    expect(deps).toBeDefined();
    const copies = final.filter((l) => l.startsWith('COPY'));
    expect(copies).toContain(`COPY --from=${named(deps)} /app/node_modules ./node_modules`);
    const build = stages.find((s) => s.some((l) => /npm run build/.test(l)))!;
    // From the build stage (whose node_modules has the dev dependencies) only dist/ is taken.
    expect(copies.filter((l) => l.includes(`--from=${named(build)}`))).toEqual([
      `COPY --from=${named(build)} /src/dist ./dist`,
    ]);
    expect(final.some((l) => /^RUN /.test(l))).toBe(false);
    expect(copies.some((l) => /COPY \. /.test(l))).toBe(false);
  });

  it('runs as a numeric non-root user and writes only under /tmp', () => {
    const user = final.filter((l) => l.startsWith('USER ')).at(-1);
    expect(user).toMatch(/^USER [1-9]\d*:[1-9]\d*$/);
    const env = final.filter((l) => l.startsWith('ENV ')).join(' ');
    expect(env).toContain('HOME=/tmp');
    expect(env).toContain('NHI_STATE_DIR=/tmp/');
    expect(env).toContain('NODE_ENV=production');
    expect(final.some((l) => l.startsWith('VOLUME'))).toBe(false);
  });

  it('one entrypoint for every role: the compiled nhi, the kit resolved to its compiled form', () => {
    expect(final).toContain('ENTRYPOINT ["node", "/app/dist/nhi.js"]');
    expect(final.join(' ')).toContain('NODE_OPTIONS=--conditions=production');
    const pkg = JSON.parse(
      readFileSync(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8'),
    );
    expect(pkg.exports['./actions']).toEqual({
      production: './dist/actions.js',
      default: './kit/actions.ts',
    });
    expect(pkg.dependencies.tsx).toBeUndefined();
    expect(pkg.dependencies.esbuild).toBeUndefined();
  });
});
