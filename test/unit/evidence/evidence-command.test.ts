// `nhi evidence`: bad arguments exit 2 with one line; verify and key work without any service.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTime } from '../../../cli/commands/evidence.ts';
import { main } from '../../../cli/main.ts';
import { exportEvidence } from '../../../evidence/export.ts';
import { fixtureSource, testSigner } from '../../support/evidence.ts';

const dir = mkdtempSync(join(tmpdir(), 'nhi-evidence-cli-'));

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['evidence', ...argv], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('nhi evidence', () => {
  it('--help describes export, verify, schedule and key', async () => {
    const { code, out } = await run('--help');
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(
      /nhi evidence export \[--identity KEY\] \[--since T\] \[--until T\] \[--action A\] --out DIR/,
    );
    expect(out.join('\n')).toMatch(/nhi evidence verify DIR\|s3:\/\/BUCKET\/PREFIX\.\.\. \[--key PUB\]/);
    expect(out.join('\n')).toMatch(/nhi evidence schedule \[--every D\] \[--bucket B\]/);
  });

  it.each([
    [[], /export, verify, schedule, key or rotate-key\?/],
    [['schedule', '--every', 'weekly', '--bucket', 'b'], /--every must be a number and s, m, h or d/],
    [['schedule', '--every', '1h'], /no --bucket, and the policy has no evidence.archive.bucket/],
    [['publish'], /unknown subcommand 'publish'/],
    [['export'], /--out DIR is required/],
    [
      ['export', '--out', join(dir, 'x'), '--since', 'yesterday'],
      /--since must be an ISO 8601 time or a duration/,
    ],
    [
      ['export', '--out', join(dir, 'x'), '--action', 'Drop Tables'],
      /--action 'Drop Tables' is not an action name/,
    ],
    [
      ['export', '--out', join(dir, 'x'), '--since', '2026-11-02', '--until', '2026-11-01'],
      /--since is after --until/,
    ],
    [['export', '--out', join(dir, 'x'), '--bogus'], /Unknown option '--bogus'/],
    [['export', '--out', join(dir, 'x'), '--web-ui', 'ftp://ui'], /--web-ui must be an http\(s\) URL/],
    [['verify'], /no export DIR given/],
    [['verify', join(dir, 'missing')], /does not exist/],
    [['verify', dir, '--key', 'not-a-key'], /not an Ed25519 public key/],
    [['key', 'new'], /--out FILE is required/],
  ])('%j exits 2 with one line', async (argv, message) => {
    const { code, err } = await run(...(argv as string[]));
    expect(code).toBe(2);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(message);
  });

  it('export against another Temporal with no Web UI known says once on stderr how to get links', async () => {
    const saved = { ...process.env };
    process.env.NHI_TEMPORAL_ADDRESS = '127.0.0.1:1'; // not the local stack's port: nothing listens
    delete process.env.NHI_TEMPORAL_WEB_UI;
    // A chain of its own: a checkout that ran the demo has a chain head signed by another key, refused first.
    process.env.NHI_EVIDENCE_CHAIN_FILE = join(dir, 'remote-chain-head.json');
    try {
      const { code, err } = await run('export', '--out', join(dir, 'remote'), '--key', testSigner().keyFile);
      expect(code).not.toBe(0);
      expect(err.filter((l) => /Web UI/.test(l))).toEqual([
        'evidence: no Temporal Web UI known for 127.0.0.1:1, so no links to it: pass --web-ui URL or set NHI_TEMPORAL_WEB_UI',
      ]);
      process.env.NHI_TEMPORAL_WEB_UI = 'ui.example';
      const bad = await run('export', '--out', join(dir, 'remote-2'), '--key', testSigner().keyFile);
      expect([bad.code, bad.err]).toEqual([
        2,
        [expect.stringMatching(/NHI_TEMPORAL_WEB_UI must be an http\(s\) URL/)],
      ]);
    } finally {
      process.env = saved;
    }
  });

  it('key new writes a key; verify says OK with --json, and FAIL with exit 1 once a file changes', async () => {
    const keyFile = join(dir, 'evidence.json');
    const made = await run('key', 'new', '--out', keyFile, '--json');
    expect(made.code).toBe(0);
    const { publicKey } = JSON.parse(made.out[0]!);
    expect((await run('key', 'new', '--out', keyFile)).code).toBe(2); // never overwritten

    const signer = testSigner();
    const result = await exportEvidence(fixtureSource(), { outDir: join(dir, 'export'), signer });
    const ok = await run('verify', result.dir, '--key', signer.publicKey, '--no-head', '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out[0]!)).toMatchObject({ ok: true, problems: [], exports: [{ sequence: 1 }] });

    const wrongKey = await run('verify', result.dir, '--key', publicKey, '--no-head');
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.out.join('\n')).toMatch(/FAIL .*manifest\.sig\.json: export #1 is signed by key/);

    writeFileSync(join(result.dir, 'report.md'), 'nothing to see');
    const bad = await run('verify', result.dir, '--key', signer.publicKey, '--no-head');
    expect(bad.code).toBe(1);
    expect(bad.out[0]).toMatch(
      /^FAIL .*: report\.md: changed \(sha256 [0-9a-f]{64}, manifest [0-9a-f]{64}\)$/,
    );
  });

  it('reads times as ISO 8601 or a duration back from now', () => {
    const now = Date.parse('2026-11-30T12:00:00.000Z');
    expect(parseTime('since', '24h', now)).toBe('2026-11-29T12:00:00.000Z');
    expect(parseTime('since', '7d', now)).toBe('2026-11-23T12:00:00.000Z');
    expect(parseTime('since', '2026-11-01T00:00:00+01:00', now)).toBe('2026-10-31T23:00:00.000Z');
    expect(parseTime('since', undefined, now)).toBeUndefined();
  });
});
