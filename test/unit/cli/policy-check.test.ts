// `nhi policy check FILE`: every meaning error one line, exit 1; a valid policy one line with its hash, exit 0;
// bad arguments exit 2. And `nhi run worker` refuses to start on the same errors (before connecting anywhere).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultPolicyPath } from '../../../activities/policy-source.ts';
import { main } from '../../../cli/main.ts';

async function nhi(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'nhi-policy-cli-'));
const bad = join(dir, 'bad.yaml');
writeFileSync(
  bad,
  `version: 1
accounts:
  "222222222222": { roleArn: "arn:aws:iam::333333333333:role/nhi" }
rules:
  - id: leaked-token
    when: { minScore: 80, kinds: [exposed-secret], identityTypes: [aws-role] }
    action: deactivate-key
    mode: auto
  - id: delete
    when: { minScore: 80, identityTypes: [aws-access-key] }
    action: delete-key
    mode: auto
  - id: everything
    when: { minScore: 90 }
    action: quarantine
    mode: auto
`,
);
const meaningOnly = join(dir, 'meaning.yaml');
writeFileSync(
  meaningOnly,
  `version: 1
rules:
  - id: leaked-token
    when: { minScore: 80, kinds: [exposed-secret], identityTypes: [aws-role] }
    action: deactivate-key
    mode: auto
  - id: delete
    when: { minScore: 80, identityTypes: [aws-access-key] }
    action: delete-key
    mode: auto
  - id: everything
    when: { minScore: 90 }
    action: quarantine
    mode: auto
`,
);

describe('nhi policy check', () => {
  it('reports each meaning error on its own line and exits 1', async () => {
    const { code, out } = await nhi('policy', 'check', meaningOnly);
    expect(code).toBe(1);
    expect(out).toEqual([
      `${meaningOnly}: rules[0](leaked-token).when.identityTypes: deactivate-key cannot act on aws-role (it supports aws-access-key, aws-user)`,
      expect.stringContaining(
        `${meaningOnly}: rules[1](delete).action: delete-key is not implemented by any worker yet`,
      ),
      `${meaningOnly}: rules[2](everything).when.identityTypes: missing, so quarantine would be sent every identity type; it supports only aws-user, aws-role, aws-access-key`,
    ]);
  });

  it('reports a schema error (an account whose role lives elsewhere) and exits 1; --json for machines', async () => {
    const { code, out } = await nhi('policy', 'check', bad, '--json');
    expect(code).toBe(1);
    const report = JSON.parse(out[0]!);
    expect(report).toMatchObject({ file: bad, ok: false });
    expect(report.errors).toEqual([
      expect.stringContaining('accounts.222222222222.roleArn: names a role in account 333333333333'),
    ]);
  });

  it('a valid policy: one line with its rules and hash, exit 0', async () => {
    // Someone in every group the default policy's approvals name.
    const people = join(dir, 'people.yaml');
    const key = `ed25519:${'ab'.repeat(32)}`;
    writeFileSync(
      people,
      `version: 1\npeople:\n  - { id: a@example.com, groups: [security, incident-response, security-leads], keys: [${key}] }\n`,
    );
    process.env.NHI_DIRECTORY_FILE = people;
    try {
      const { code, out } = await nhi('policy', 'check', defaultPolicyPath);
      expect(code).toBe(0);
      expect(out).toEqual([expect.stringMatching(/: ok \(\d+ rules, sha256:[0-9a-f]{64}\)$/)]);
    } finally {
      delete process.env.NHI_DIRECTORY_FILE;
    }
  });

  it('the shipped policy: a group nobody belongs to is one warning per group with the command to add yourself, exit 0', async () => {
    // The shipped directory lists nobody yet; the worker starts with it.
    const directory = relative(process.cwd(), defaultPolicyPath.replace('default.yaml', 'directory.yaml'));
    const { code, out, err } = await nhi('policy', 'check', defaultPolicyPath);
    expect(code).toBe(0);
    expect(out).toEqual([
      expect.stringMatching(
        /: ok \(\d+ rules, sha256:[0-9a-f]{64}\); 3 warnings \(--strict makes them errors\)$/,
      ),
    ]);
    expect(err).toHaveLength(3);
    expect(err.map((l) => l.match(/belongs to (\S+) \(/)?.[1])).toEqual([
      'security',
      'incident-response',
      'security-leads',
    ]);
    const security = err[0]!;
    expect(security).toMatch(/^warning: .*default\.yaml: nobody in the directory /);
    expect(security).toContain('rules[3](excess-privilege).approval.groups.security');
    expect(security).toContain('exceptions.approvers');
    expect(security).toContain(
      `to add yourself run nhi keys new --as you@example.com and add the entry it prints to ${directory} with groups: [security]`,
    );
    // The command it names is a real one.
    expect((await nhi('keys', 'new', '--as', 'you@example.com', '--help')).code).toBe(0);
  });

  it('--strict: the same lines are errors, exit 1; --json carries warnings', async () => {
    const strict = await nhi('policy', 'check', defaultPolicyPath, '--strict');
    expect(strict.code).toBe(1);
    expect(strict.out).toHaveLength(3);
    expect(strict.out.every((l) => !l.startsWith('warning') && l.includes('nobody in the directory'))).toBe(
      true,
    );
    const json = await nhi('policy', 'check', defaultPolicyPath, '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out[0]!)).toMatchObject({ ok: true, errors: [], warnings: expect.any(Array) });
    expect(JSON.parse(json.out[0]!).warnings).toHaveLength(3);
  });

  it('nhi doctor: the policy check in strict mode, so the shipped files exit 1; with someone in every group, 0', async () => {
    const shipped = await nhi('doctor');
    expect(shipped.code).toBe(1);
    expect(shipped.out).toHaveLength(3);
    expect(shipped.out.every((l) => l.includes('nobody in the directory'))).toBe(true);
    const people = join(dir, 'doctor-people.yaml');
    writeFileSync(
      people,
      `version: 1\npeople:\n  - { id: a@example.com, groups: [security, incident-response, security-leads], keys: [ed25519:${'ab'.repeat(32)}] }\n`,
    );
    process.env.NHI_DIRECTORY_FILE = people;
    try {
      const fine = await nhi('doctor');
      expect(fine.code).toBe(0);
      expect(fine.out.at(-1)).toBe('doctor: nothing wrong found');
    } finally {
      delete process.env.NHI_DIRECTORY_FILE;
    }
  });

  it('checks maxFindingAgeForAction: a duration passes, anything else is one line naming the field', async () => {
    const good = join(dir, 'max-age.yaml');
    writeFileSync(good, 'version: 1\nmaxFindingAgeForAction: 30d\nrules: []\n');
    expect((await nhi('policy', 'check', good)).code).toBe(0);
    const wrong = join(dir, 'max-age-bad.yaml');
    writeFileSync(wrong, 'version: 1\nmaxFindingAgeForAction: 30 days\nrules: []\n');
    const { code, out } = await nhi('policy', 'check', wrong);
    expect(code).toBe(1);
    expect(out).toEqual([
      expect.stringMatching(/maxFindingAgeForAction: must be a duration like 30d, 12h or 90m/),
    ]);
  });

  it('a disguised auto-approval (approval, 1m, onTimeout auto, minScore 0) is an error unless the rule says autoApprove: true', async () => {
    const rule = (extra: string) => `version: 1
rules:
  - id: leaked-key
    when: { minScore: 0, kinds: [exposed-secret], identityTypes: [aws-access-key] }
    action: deactivate-key
    mode: approval
    approval: { groups: { security: 1 }, timeout: 1m, onTimeout: auto }
${extra}`;
    const disguised = join(dir, 'disguised.yaml');
    writeFileSync(disguised, rule(''));
    const { code, out } = await nhi('policy', 'check', disguised);
    expect(code).toBe(1);
    expect(out).toEqual([
      `${disguised}: rules[0](leaked-key).approval.onTimeout: auto acts after 1m with nobody's approval, with a short timeout (1m) and a zero threshold (minScore 0): effective auto-approval; say autoApprove: true on the rule if that is meant, else use cancel or escalate`,
    ]);
    const declared = join(dir, 'declared.yaml');
    writeFileSync(declared, rule('    autoApprove: true\n'));
    // What remains is only that this test's policy names no directory.
    expect((await nhi('policy', 'check', declared)).out).toEqual([
      expect.stringMatching(/declared\.yaml: directory: missing/),
    ]);
  });

  it('bad arguments exit 2 with one line', async () => {
    for (const argv of [
      ['policy'],
      ['policy', 'lint', 'x'],
      ['policy', 'check'],
      ['policy', 'check', 'a', 'b'],
    ]) {
      const { code, err } = await nhi(...argv);
      expect(code, argv.join(' ')).toBe(2);
      expect(err).toHaveLength(1);
    }
    const { code, out } = await nhi('policy', '--help');
    expect(code).toBe(0);
    expect(out.join('\n')).toContain('usage: nhi policy check FILE');
  });
});

describe('nhi run worker', () => {
  const saved = process.env.NHI_POLICY_FILE;
  afterEach(() => {
    if (saved === undefined) delete process.env.NHI_POLICY_FILE;
    else process.env.NHI_POLICY_FILE = saved;
  });

  it('refuses to start on an invalid policy, in one line', async () => {
    process.env.NHI_POLICY_FILE = meaningOnly;
    const { code, err } = await nhi('run', 'worker', '--metrics-port', 'off');
    expect(code).toBe(1);
    expect(err).toEqual([
      expect.stringMatching(
        /^nhi run: the worker role refuses to start: invalid policy: .*deactivate-key cannot act on aws-role.* \(and 2 more: nhi policy check /,
      ),
    ]);
  });
});
