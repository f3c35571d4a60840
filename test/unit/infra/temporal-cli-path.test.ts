// Which Temporal CLI the stack runs: the PyPI build when cached, the go-install fallback only when it alone is.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { temporalCliDir, temporalCliPath } from '../../../infra/install/paths.ts';
import { versions } from '../../../infra/versions.ts';

describe('temporalCliPath', () => {
  let cache: string;
  const saved = process.env.NHI_CACHE_DIR;
  const place = (version: string) => {
    mkdirSync(temporalCliDir(version), { recursive: true });
    writeFileSync(join(temporalCliDir(version), 'temporal'), '');
  };
  beforeEach(() => {
    cache = mkdtempSync(join(tmpdir(), 'nhi-cache-'));
    process.env.NHI_CACHE_DIR = cache;
  });
  afterEach(() => {
    rmSync(cache, { recursive: true, force: true });
    if (saved === undefined) delete process.env.NHI_CACHE_DIR;
    else process.env.NHI_CACHE_DIR = saved;
  });

  it('names the PyPI build when nothing is installed yet (where the install puts it)', () => {
    expect(temporalCliPath()).toBe(join(cache, `temporal-cli-${versions.temporalCli}`, 'bin', 'temporal'));
  });
  it('uses the go-install fallback when only it is cached', () => {
    place(versions.temporalCliGoFallback);
    expect(temporalCliPath()).toBe(join(temporalCliDir(versions.temporalCliGoFallback), 'temporal'));
  });
  it('prefers the PyPI build when both are cached', () => {
    place(versions.temporalCliGoFallback);
    place(versions.temporalCli);
    expect(temporalCliPath()).toBe(join(temporalCliDir(versions.temporalCli), 'temporal'));
  });
});
