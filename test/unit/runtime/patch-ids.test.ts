// The codec lets a plaintext patch marker through only for a listed patch id (schemas/patch-ids.ts): a `patched()`
// whose id is not listed would have its marker refused by the codec server and the evidence reader.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KNOWN_PATCH_IDS } from '../../../schemas/patch-ids.ts';
import * as identity from '../../../workflows/identity/workflow.ts';
import * as priority from '../../../workflows/priority.ts';

const root = new URL('../../../', import.meta.url).pathname;
const files = (dir: string): string[] =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );

describe('patch ids', () => {
  it('lists every patch id the workflows use', () => {
    expect(KNOWN_PATCH_IDS.has(identity.COUNT_EXCEPTION_REQUESTS)).toBe(true);
    expect(KNOWN_PATCH_IDS.has(priority.ENFORCEMENT_PRIORITY_PATCH)).toBe(true);
    // Every `patched(X)` names a constant or a literal whose value is listed.
    const used = files('workflows').flatMap((f) =>
      [...readFileSync(join(root, f), 'utf8').matchAll(/patched\(([^)]+)\)/g)].map((m) => m[1]!.trim()),
    );
    expect(used.length).toBeGreaterThan(0);
    // A constant's value, wherever workflows/ or schemas/ declares it (`const NAME = 'id'`).
    const declared: Record<string, string> = {};
    for (const f of [...files('workflows'), ...files('schemas')])
      for (const m of readFileSync(join(root, f), 'utf8').matchAll(/const (\w+) = '([^']*)'/g))
        declared[m[1]!] = m[2]!;
    for (const arg of used) {
      const id = /^'(.*)'$/.exec(arg)?.[1] ?? declared[arg] ?? arg;
      expect([...KNOWN_PATCH_IDS], `patched(${arg})`).toContain(id);
    }
  });
});
