// `npm ci` refuses a lock in which a locked package's optional dependency (biome's and esbuild's per-platform
// binaries) has no entry of its own; npm 11 writes every platform's entry. This keeps the committed lock complete.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

type LockedPackage = { version?: string; optionalDependencies?: Record<string, string> };
const lock = JSON.parse(readFileSync(join(import.meta.dirname, '../../../package-lock.json'), 'utf8')) as {
  packages: Record<string, LockedPackage>;
};

describe('package-lock.json', () => {
  it('locks every optional platform package that a locked package names', () => {
    const missing: string[] = [];
    for (const [path, meta] of Object.entries(lock.packages)) {
      for (const name of Object.keys(meta.optionalDependencies ?? {})) {
        const nested = `${path}/node_modules/${name}`;
        if (!lock.packages[nested] && !lock.packages[`node_modules/${name}`])
          missing.push(`${path} → ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('.ci/run installs with npm ci', () => {
    const ci = readFileSync(join(import.meta.dirname, '../../../.ci/run'), 'utf8');
    expect(ci).toMatch(/^npm ci\b/m);
    expect(ci).not.toMatch(/^npm install\b/m);
  });
});
