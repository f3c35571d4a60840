// The policy in force is the file's current content: a change applies at the next read (no restart) with its
// new hash; a change that breaks it is reported once and the last valid policy stays; none valid is an error.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPolicyFile, createPolicySource, defaultPolicyPath } from '../../../activities/policy-source.ts';

const dir = mkdtempSync(join(tmpdir(), 'nhi-policy-'));
const valid = (minScore: number) => `version: 1
rules:
  - id: leaked-key
    when: { minScore: ${minScore}, identityTypes: [aws-access-key] }
    action: deactivate-key
    mode: auto
`;

describe('createPolicySource', () => {
  it('reloads on change, records the hash, keeps the last valid policy when the file breaks', () => {
    const file = join(dir, 'reload.yaml');
    writeFileSync(file, valid(80));
    const invalid: string[][] = [];
    const read = createPolicySource({ path: file, onInvalid: (errors) => invalid.push(errors) });
    const first = read();
    expect(first.policy.rules[0]!.when.minScore).toBe(80);
    expect(first.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(read()).toBe(first);

    writeFileSync(file, valid(60));
    const second = read();
    expect(second.policy.rules[0]!.when.minScore).toBe(60);
    expect(second.hash).not.toBe(first.hash);

    writeFileSync(file, valid(60).replace('deactivate-key', 'delete-key'));
    expect(read()).toBe(second);
    expect(read()).toBe(second);
    expect(invalid).toEqual([[expect.stringContaining('delete-key is not implemented by any worker yet')]]);
  });

  it('with no valid version yet, reading is an error', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, valid(80).replace('aws-access-key', 'secret'));
    expect(() => createPolicySource({ path: file })()).toThrow(/deactivate-key cannot act on secret/);
  });
});

describe('checkPolicyFile', () => {
  it('the default policy is valid', () => {
    expect(checkPolicyFile(defaultPolicyPath).ok).toBe(true);
  });

  it('syntax, schema and meaning errors, one line each', () => {
    const syntax = join(dir, 'syntax.yaml');
    writeFileSync(syntax, 'version: 1\nrules: [\n');
    const schema = join(dir, 'schema.yaml');
    writeFileSync(schema, 'version: 2\nrules:\n  - id: X\n');
    const check = (f: string) => {
      const r = checkPolicyFile(f);
      if (r.ok) throw new Error('expected errors');
      for (const line of r.errors) expect(line).not.toContain('\n');
      return r.errors;
    };
    expect(check(syntax)).toEqual([expect.stringMatching(/syntax\.yaml:\d+:\d+: /)]);
    expect(check(schema).length).toBeGreaterThanOrEqual(2);
    expect(check(join(dir, 'missing.yaml'))).toEqual([expect.stringContaining('cannot read')]);
  });

  it('reads the owners file next to the policy; a bad one is an error', () => {
    const file = join(dir, 'owned.yaml');
    writeFileSync(join(dir, 'owners.yaml'), '"arn:aws:iam::123456789012:role/deploy": team-deploy\n');
    writeFileSync(file, `${valid(80)}ownership: { file: owners.yaml }\n`);
    const r = checkPolicyFile(file);
    expect(r.ok && r.policy.owners).toEqual({ 'arn:aws:iam::123456789012:role/deploy': 'team-deploy' });
    writeFileSync(file, `${valid(80)}ownership: { file: nobody.yaml }\n`);
    const bad = checkPolicyFile(file);
    expect(!bad.ok && bad.errors).toEqual([expect.stringContaining('ownership.file: cannot read')]);
    expect(readFileSync(file, 'utf8')).toContain('nobody');
  });
});
