// Whom evidence verification believes: a trusted key from outside the export, a key change only across a
// key-rotation record both keys signed, and a signed chain head kept apart from the exports, so an export signed by
// an attacker's key, or a deleted newest export, fails verify with one line naming why.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.ts';
import { writeChainHead } from '../../../evidence/chain-head.ts';
import { exportEvidence, linkTo } from '../../../evidence/export.ts';
import { KEY_ROTATION_FILE, rotationRecord } from '../../../evidence/key-rotation.ts';
import { verifyChain } from '../../../evidence/verify.ts';
import { fixtureSource, testSigner } from '../../support/evidence.ts';

const work = mkdtempSync(join(tmpdir(), 'nhi-evidence-trust-'));
let n = 0;
const fresh = () => join(work, `case-${++n}`);

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['evidence', ...argv], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

const saved = { ...process.env };
afterEach(() => {
  for (const k of [
    'NHI_EVIDENCE_KEY_FILE',
    'NHI_EVIDENCE_CHAIN_FILE',
    'NHI_TEMPORAL_ADDRESS',
    'NHI_EVIDENCE_PUBLIC_KEY',
  ])
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
});

/** Two chained exports (#1 by `first`, #2 by `second`) and the signed head after #2 (by `headBy`). */
async function twoExports(
  first = testSigner(),
  second = first,
  opts: { rotation?: ReturnType<typeof rotationRecord>; headBy?: ReturnType<typeof testSigner> } = {},
) {
  const root = fresh();
  const one = await exportEvidence(fixtureSource(), { outDir: join(root, '1'), signer: first });
  const two = await exportEvidence(fixtureSource(), {
    outDir: join(root, '2'),
    signer: second,
    previous: linkTo(one),
    ...(opts.rotation ? { rotation: opts.rotation } : {}),
  });
  const head = join(root, 'head', 'chain-head.json');
  writeChainHead(head, linkTo(two), opts.headBy ?? second);
  return { root, one, two, head, first, second };
}

describe('evidence verify trusts a key from outside the export', () => {
  it('export #2 signed with an attacker key, chained to the real #1: exit 1, one line naming why', async () => {
    const real = testSigner();
    const attacker = testSigner();
    const { one, two, head } = await twoExports(real, attacker, { headBy: attacker });
    const { code, out } = await run('verify', one.dir, two.dir, '--key', real.publicKey, '--head', head);
    expect(code).toBe(1);
    expect(out.filter((l) => l.startsWith('FAIL'))).toEqual([
      `FAIL ${two.dir}: manifest.sig.json: export #2 is signed by key ${attacker.publicKey}, not the trusted key ${real.publicKey} nor one a key-rotation record links to it`,
      `FAIL ${two.dir}: chain head: the chain head is signed by key ${attacker.publicKey}, not a trusted one`,
    ]);
    // Even without a pinned key, a change of key inside the chain is named.
    expect(verifyChain([one.dir, two.dir]).problems.map((p) => p.problem)).toEqual([
      `export #2 is signed by key ${attacker.publicKey} but #1 by ${real.publicKey}, and no key-rotation record signed by ${real.publicKey} links them`,
    ]);
  });

  it('without --key or a configured key verify refuses to run (exit 2): the key inside an export is not trusted', async () => {
    const { one } = await twoExports();
    process.env.NHI_EVIDENCE_KEY_FILE = join(work, 'no-such-key.json');
    const { code, err } = await run('verify', one.dir, '--no-head');
    expect(code).toBe(2);
    expect(err).toEqual([expect.stringMatching(/^nhi evidence: no trusted evidence key: pass --key PUB/)]);
    // The configured public key counts as trusted.
    process.env.NHI_EVIDENCE_PUBLIC_KEY = one.manifest.publicKey;
    expect((await run('verify', one.dir, '--no-head')).code).toBe(0);
  });

  it('a rotation record signed by both keys carries the chain across a change of key; a one-sided one does not', async () => {
    const old = testSigner();
    const next = testSigner();
    const record = rotationRecord(old, next, 'yearly rotation');
    const { one, two, head } = await twoExports(old, next, { rotation: record });
    expect(existsSync(join(two.dir, KEY_ROTATION_FILE))).toBe(true);
    for (const key of [old.publicKey, next.publicKey])
      expect((await run('verify', one.dir, two.dir, '--key', key, '--head', head)).out).toEqual([
        expect.stringMatching(/^OK .*export #1/),
        expect.stringMatching(/^OK .*export #2/),
      ]);

    // A record the attacker made with their own key as "from" links nothing to the trusted key.
    const attacker = testSigner();
    const forged = rotationRecord(attacker, next, 'trust me');
    const bad = await twoExports(old, next, { rotation: forged });
    const r = await run('verify', bad.one.dir, bad.two.dir, '--key', old.publicKey, '--head', bad.head);
    expect(r.code).toBe(1);
    expect(r.out.filter((l) => l.startsWith('FAIL'))).toEqual([
      expect.stringMatching(/manifest\.sig\.json: export #2 is signed by key .*, not the trusted key/),
      expect.stringMatching(/chain head: the chain head is signed by key .*, not a trusted one/),
    ]);
  });

  it('deleting the newest export fails verify even with --key: the signed head names it', async () => {
    const { root, one, two, head, first } = await twoExports();
    expect((await run('verify', root, '--key', first.publicKey, '--head', head)).code).toBe(0);
    rmSync(two.dir, { recursive: true });
    const { code, out } = await run('verify', root, '--key', first.publicKey, '--head', head);
    expect(code).toBe(1);
    expect(out).toEqual([
      `FAIL ${one.dir}: chain head: the signed chain head names export #2, but the newest export given is #1: export(s) up to #2 missing`,
    ]);
    // The head found where the deployment keeps it (NHI_EVIDENCE_CHAIN_FILE) counts the same.
    process.env.NHI_EVIDENCE_CHAIN_FILE = head;
    expect((await run('verify', root, '--key', first.publicKey)).code).toBe(1);
    // With no head anywhere, verify says it cannot tell, and fails; --no-head checks only what is given.
    process.env.NHI_EVIDENCE_CHAIN_FILE = join(work, 'no-head.json');
    const none = await run('verify', root, '--key', first.publicKey);
    expect(none.code).toBe(1);
    expect(none.out[0]).toMatch(/chain head: no signed chain head to compare with/);
    expect((await run('verify', root, '--key', first.publicKey, '--no-head')).code).toBe(0);
  });

  it('a head that was not signed fails', async () => {
    const { root, head, first } = await twoExports();
    const copy = join(fresh(), 'h.json');
    cpSync(head, copy);
    const signed = JSON.parse(readFileSync(head, 'utf8'));
    writeFileSync(copy, JSON.stringify({ sequence: signed.sequence, manifestSha256: signed.manifestSha256 }));
    const r = await run('verify', root, '--key', first.publicKey, '--head', copy);
    expect(r.code).toBe(1);
    expect(r.out.filter((l) => l.startsWith('FAIL'))).toEqual([
      expect.stringMatching(/chain head: the chain head is not signed$/),
    ]);
  });
});

describe('the evidence key is never created silently outside the local stack', () => {
  it('export against a configured Temporal with no key file: exit 1, one line naming nhi evidence key new', async () => {
    process.env.NHI_TEMPORAL_ADDRESS = '127.0.0.1:1';
    process.env.NHI_EVIDENCE_KEY_FILE = join(work, 'keys', 'evidence.json');
    const { code, err } = await run('export', '--out', fresh());
    expect(code).toBe(1);
    expect(err).toEqual([
      expect.stringMatching(
        /no evidence key at .*evidence\.json: create one with nhi evidence key new --out /,
      ),
    ]);
    expect(existsSync(process.env.NHI_EVIDENCE_KEY_FILE)).toBe(false);
  });

  it('rotate-key writes the new key and a record both keys signed', async () => {
    const old = testSigner();
    process.env.NHI_EVIDENCE_CHAIN_FILE = join(fresh(), 'chain-head.json');
    const newFile = join(fresh(), 'new.json');
    const r = await run('rotate-key', '--key', old.keyFile, '--new', newFile, '--reason', 'yearly', '--json');
    expect(r.code).toBe(0);
    const made = JSON.parse(r.out[0]!);
    expect(made).toMatchObject({ file: newFile, from: old.publicKey });
    const record = JSON.parse(
      readFileSync(join(process.env.NHI_EVIDENCE_CHAIN_FILE, '..', 'key-rotation.json'), 'utf8'),
    );
    expect(record).toMatchObject({ from: old.publicKey, to: made.to, reason: 'yearly' });
    expect((await run('rotate-key', '--key', old.keyFile, '--new', newFile, '--reason', 'x')).code).toBe(2);
  });
});
