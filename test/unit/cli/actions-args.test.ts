// `nhi actions` and the team-action part of `nhi policy check` without a Temporal: bad arguments exit 2 with one
// line, a registration file that is not valid is one line (exit 1) before anything is contacted, and a policy naming
// a team action says in one line that the registry cannot be reached.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.ts';

async function nhi(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'nhi-actions-cli-'));
const saved = process.env.NHI_TEMPORAL_ADDRESS;
afterEach(() => {
  if (saved === undefined) delete process.env.NHI_TEMPORAL_ADDRESS;
  else process.env.NHI_TEMPORAL_ADDRESS = saved;
});

describe('nhi actions arguments', () => {
  it.each([
    [['actions', 'add'], /unknown actions command 'add'/],
    [['actions', 'register'], /no FILE given/],
    [['actions', 'remove'], /no action NAME given/],
    [['actions', 'remove', 'a/b'], /remove needs --as WHO/],
    [['actions', 'register', 'x.json', 'y.json', '--as', 'me'], /unexpected argument 'y.json'/],
  ])('%j exits 2 with one line', async (argv, message) => {
    const r = await nhi(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(message);
  });

  it('a registration file that is not a valid contract is one line, exit 1', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({ name: 'dbteam/rotate', description: 'x', identityTypes: ['robot'] }),
    );
    const r = await nhi('actions', 'register', file, '--as', 'dana');
    expect(r.code).toBe(1);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/^.*bad\.json: identityTypes\.0: /);
  });
});

describe('nhi policy check with a team action and no Temporal', () => {
  it('says in one line that the registry is not reachable, exit 1', async () => {
    process.env.NHI_TEMPORAL_ADDRESS = '127.0.0.1:1';
    const file = join(dir, 'team.yaml');
    writeFileSync(
      file,
      `version: 1
rules:
  - id: leaked-db-password
    when: { minScore: 0, identityTypes: [secret] }
    action: dbteam/rotate-postgres-password
    params: { secretId: prod/db }
    mode: auto
`,
    );
    const r = await nhi('policy', 'check', file);
    expect(r.code).toBe(1);
    expect(r.out).toHaveLength(1);
    expect(r.out[0]).toMatch(
      /team\.yaml: cannot check team action dbteam\/rotate-postgres-password: the action registry is not reachable \(cannot reach Temporal at 127\.0\.0\.1:1/,
    );
  });
});
