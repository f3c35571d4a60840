// `npm run build` compiles the command to dist/, and the compiled command loads no TypeScript: every module a run
// loads is recorded (test/support/module-load-log.mjs) and none is tsx, the TypeScript compiler or a .ts file.
// The same recorder on bin/nhi.js (the source runner) does see tsx: the check can fail.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist } from '../../../deploy/build.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const recorder = join(root, 'test', 'support', 'module-load-log.mjs');
// Its own output directory, one level below the root like dist/ (what `npm run build` writes): the integration
// project builds its own meanwhile, and a developer's dist/ is left alone.
const distDir = join(root, '.dist-test-unit');
const scratch = mkdtempSync(join(tmpdir(), 'nhi-dist-'));

/** Runs `node [--import recorder] SCRIPT ARGS…`; returns its output and every module URL it loaded. */
async function runRecorded(script: string, args: string[]) {
  const log = join(scratch, `modules-${Math.random().toString(36).slice(2)}.txt`);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', recorder, join(root, script), ...args],
    { cwd: root, env: { ...process.env, NODE_OPTIONS: '', NHI_MODULE_LOG: log } },
  );
  const modules = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  return { stdout, modules };
}

const typescriptAtRunTime = (modules: string[]) =>
  modules.filter((url) => /\/node_modules\/(tsx|typescript)\/|\.[cm]?ts$/.test(url));

beforeAll(async () => {
  await buildDist(distDir);
}, 180_000);

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(distDir, { recursive: true, force: true });
});

describe('npm run build', () => {
  it('writes the command, the kit and the prebuilt workflow bundle to dist/', () => {
    for (const file of ['nhi.js', 'actions.js', 'workflow-bundle.js'])
      expect(existsSync(join(distDir, file)), file).toBe(true);
    // The bundle holds the workflows themselves (webpack output), not a loader of workflows/index.ts.
    expect(readFileSync(join(distDir, 'workflow-bundle.js'), 'utf8')).toContain('identityWorkflow');
  });

  it('node dist/nhi.js --help runs with no TypeScript loaded', async () => {
    const { stdout, modules } = await runRecorded('.dist-test-unit/nhi.js', ['--help']);
    expect(stdout).toContain('usage: nhi COMMAND');
    expect(modules.some((url) => url.endsWith('/.dist-test-unit/nhi.js'))).toBe(true);
    expect(typescriptAtRunTime(modules)).toEqual([]);
  }, 60_000);

  it('a real command (normalize --json) runs from dist/ with no TypeScript loaded', async () => {
    const { stdout, modules } = await runRecorded('.dist-test-unit/nhi.js', [
      'normalize',
      'test/fixtures/gitleaks/gitleaks-v8-aws.json',
      '--json',
    ]);
    const findings = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(findings.length).toBeGreaterThan(0);
    expect(findings[0]).toMatchObject({ source: { format: 'gitleaks' } });
    expect(modules.some((url) => url.includes('/node_modules/zod/'))).toBe(true);
    expect(typescriptAtRunTime(modules)).toEqual([]);
  }, 60_000);

  it('the compiled kit exports what a team worker imports; in production `nhi-enforce/actions` resolves to it', async () => {
    const probe = `const kit = await import(${JSON.stringify(join(distDir, 'actions.js'))});
      console.log(JSON.stringify({ kit: [typeof kit.defineAction, typeof kit.runActionWorker],
        resolved: import.meta.resolve('nhi-enforce/actions') }));`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=production', '--input-type=module', '-e', probe],
      { cwd: root, env: { ...process.env, NODE_OPTIONS: '' } },
    );
    const { kit, resolved } = JSON.parse(stdout);
    expect(kit).toEqual(['function', 'function']);
    expect(resolved).toBe(`file://${join(root, 'dist', 'actions.js')}`);
  }, 60_000);

  it('the recorder does see TypeScript where it is loaded: bin/nhi.js runs the sources through tsx', async () => {
    const { modules } = await runRecorded('bin/nhi.js', ['--help']);
    expect(typescriptAtRunTime(modules).some((url) => url.includes('/node_modules/tsx/'))).toBe(true);
    expect(typescriptAtRunTime(modules).some((url) => url.endsWith('/cli/main.ts'))).toBe(true);
  }, 60_000);
});
