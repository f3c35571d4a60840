import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { StackError } from '../../../infra/errors.ts';
import { installAtomically, installDecision } from '../../../infra/install/atomic.ts';
import { silent } from '../../../infra/log.ts';

const complete = (dir: string) => existsSync(join(dir, 'tool'));
const writeTool = async (tmp: string) => writeFileSync(join(tmp, 'tool'), 'ok');

function spec(target: string, build = vi.fn(writeTool)) {
  return { service: 'tool', target, isComplete: complete, build, fix: 'check the network', log: silent };
}

describe('cached installs', () => {
  it('reuse a complete install and build an absent or incomplete one', () => {
    const root = mkdtempSync(join(tmpdir(), 'nhi-cache-'));
    const target = join(root, 'tool-1.0');
    expect(installDecision(target, complete)).toBe('build');
    mkdirSync(target);
    expect(installDecision(target, complete)).toBe('build'); // e.g. an empty dir left by hand
    writeFileSync(join(target, 'tool'), 'ok');
    expect(installDecision(target, complete)).toBe('reuse');
  });

  it('build once, then reuse without building', async () => {
    const target = join(mkdtempSync(join(tmpdir(), 'nhi-cache-')), 'tool-1.0');
    const first = spec(target);
    expect(await installAtomically(first)).toBeGreaterThanOrEqual(0);
    expect(first.build).toHaveBeenCalledTimes(1);
    const second = spec(target);
    expect(await installAtomically(second)).toBe(0);
    expect(second.build).not.toHaveBeenCalled();
  });

  it('replace an incomplete target left behind', async () => {
    const target = join(mkdtempSync(join(tmpdir(), 'nhi-cache-')), 'tool-1.0');
    mkdirSync(target);
    writeFileSync(join(target, 'junk'), '');
    await installAtomically(spec(target));
    expect(readdirSync(target)).toEqual(['tool']);
  });

  it('leave neither target nor partial directory when the build fails', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nhi-cache-'));
    const target = join(root, 'tool-1.0');
    const failing = spec(
      target,
      vi.fn(async (tmp: string) => {
        writeFileSync(join(tmp, 'half'), '');
        throw new Error('mvn exited with 1: [ERROR] Could not resolve');
      }),
    );
    const error = await installAtomically(failing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StackError);
    expect((error as Error).message).toBe(
      'tool: install failed: mvn exited with 1: [ERROR] Could not resolve — check the network',
    );
    expect(readdirSync(root)).toEqual([]);
  });

  it('reject a build that finishes without producing the tool', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nhi-cache-'));
    await expect(
      installAtomically(
        spec(
          join(root, 'tool-1.0'),
          vi.fn(async () => {}),
        ),
      ),
    ).rejects.toThrow(/incomplete/);
    expect(readdirSync(root)).toEqual([]);
  });
});
