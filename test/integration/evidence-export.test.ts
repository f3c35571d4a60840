// Evidence end to end, real all the way: canary secrets planted upstream (a scanner's leaked key, a SIEM alert's
// free text) → Kafka → consumer → identity workflows → deactivate-key (auto) and scope-down (after a refused and an
// accepted approval) → verified → rolled back by `nhi rollback` (its follow-up) → three exports chained by manifest
// hash, each verifying; then every kind of
// tampering, a gap in the chain, and a search of the whole export (decoded payloads included) for the canaries.
import { createHash, randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsClients } from '../../activities/aws/clients.ts';
import { exceptionRequest } from '../../cli/decisions.ts';
import { main } from '../../cli/main.ts';
import { type DemoEstate, renderSample, seedDemoEstate } from '../../demo/estate.ts';
import { writeChainHead } from '../../evidence/chain-head.ts';
import { selectExceptionHolders } from '../../evidence/exception-holders.ts';
import type { ExceptionSummary } from '../../evidence/exception-summary.ts';
import { type ExportResult, exportEvidence, linkTo, selectRemediations } from '../../evidence/export.ts';
import { closeHistoryConnections } from '../../evidence/fetch-history.ts';
import { MANIFEST_FILE, SIGNATURE_FILE } from '../../evidence/manifest.ts';
import type { RemediationSummary } from '../../evidence/summary.ts';
import { verifyChain, verifyExport } from '../../evidence/verify.ts';
import { remediationWorkflowId } from '../../risk/decide.ts';
import { temporalClient } from '../../runtime/connections.ts';
import { type RunningPipeline, startPipeline } from '../../runtime/pipeline.ts';
import { identityWorkflowId, requestExceptionUpdate } from '../../workflows/identity/definitions.ts';
import {
  type FollowUpState,
  followUpWorkflowId,
  type RemediationState,
  remediationQuery,
} from '../../workflows/remediation/definitions.ts';
import { recordEvidenceFixtures, testSigner } from '../support/evidence.ts';
import { createTestTopics, deleteTestTopics, produce } from '../support/kafka.ts';
import { decideRemediation, directoryFile, keyFiles, person, type TestPerson } from '../support/people.ts';
import { waitFor } from './identity-support.ts';

const prefix = `ev-${randomUUID().slice(0, 8)}`;
const taskQueue = `evidence-${randomUUID().slice(0, 8)}`;
const SAMPLE = new URL('../../demo/leaked-key.trufflehog.jsonl', import.meta.url);
/** A canary in SIEM free text: a credential-shaped token nobody should ever see again. */
const SIEM_CANARY_KEY = `-----BEGIN RSA PRIVATE KEY-----\nMIIEcanary${randomUUID().replace(/-/g, '')}\n-----END RSA PRIVATE KEY-----`;

let topics: Record<string, string>;
let pipeline: RunningPipeline;
let client: Client;
let estate: DemoEstate;
let keyKey: string;
const work = mkdtempSync(join(tmpdir(), 'nhi-evidence-e2e-'));
/** Key files apart from the exports (`work` is what verify walks). */
const keysDir = mkdtempSync(join(tmpdir(), 'nhi-evidence-keys-'));
const signer = testSigner();
// The people who decide, with real Ed25519 keys (the directory the worker reads when a request opens).
const alice = person('alice@example.com', 'security');
const bob = person('bob@example.com', 'incident-response');
const exports: ExportResult[] = [];
const ROLLBACK_REASON = 'payments batch needs the old grants until Friday';
const io = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
};

/** A signed decision on the request open right now, as `nhi approve|reject` sends it. */
const decide = (id: string, who: TestPerson, decision: 'approve' | 'reject', reason: string) =>
  decideRemediation(client.workflow.getHandle(id), who, decision, reason);

beforeAll(async () => {
  process.env.NHI_DIRECTORY_FILE = directoryFile([alice, bob], work);
  // `nhi rollback --as alice` signs with alice's key file, as the CLI does for a person (NHI_KEYS_DIR).
  process.env.NHI_KEYS_DIR = keyFiles([alice, bob], keysDir);
  topics = await createTestTopics('evidence', ['scanner', 'siem', 'dlq', 'events']);
  pipeline = await startPipeline({
    taskQueue,
    topics: [topics.scanner!, topics.siem!],
    dlqTopic: topics.dlq,
    eventsTopic: topics.events,
    groupId: taskQueue,
  });
  client = await temporalClient();
  estate = await seedDemoEstate(awsClients(), prefix);
  keyKey = `aws:access-key:${estate.key.id}`;
});

afterAll(async () => {
  for (const id of [identityWorkflowId(keyKey), identityWorkflowId(estate?.user.arn ?? '')])
    await client?.workflow
      .getHandle(id)
      .terminate('test over')
      .catch(() => {});
  await pipeline?.stop();
  if (topics) await deleteTestTopics(topics);
  await closeHistoryConnections();
  await client?.connection.close();
  rmSync(work, { recursive: true, force: true });
  rmSync(keysDir, { recursive: true, force: true });
});

/** Every string in every file of the export, and every base64 payload decoded: what a reader could find. */
function everythingIn(dir: string): string {
  const parts: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, name.name);
      if (name.isDirectory()) walk(full);
      else {
        const text = readFileSync(full, 'utf8');
        parts.push(text);
        for (const m of text.matchAll(/"(?:data|encoding)":\s*"([A-Za-z0-9+/=]+)"/g))
          parts.push(Buffer.from(m[1]!, 'base64').toString('utf8'));
      }
    }
  };
  walk(dir);
  return parts.join('\n');
}

describe('evidence export end to end', () => {
  it('finding → refused and accepted approval → action → verification, exported three times in one chain', async () => {
    const started = new Date(Date.now() - 1000).toISOString();
    await produce(topics.scanner!, [
      {
        key: keyKey,
        value: renderSample(readFileSync(SAMPLE, 'utf8').trim(), estate),
        headers: { format: 'trufflehog' },
      },
    ]);
    const notable = {
      _time: new Date().toISOString(),
      _raw: `search_name="Threat - AWS credential used from new ASN - Rule", user_arn="${estate.user.arn}", note="${SIEM_CANARY_KEY.replace(/\n/g, ' ')}"`,
      search_name: 'Threat - AWS credential used from new ASN - Rule',
      user: estate.user.arn,
      description: `pasted in chat: ${SIEM_CANARY_KEY}`,
      urgency: 'high',
      source: 'Threat - AWS credential used from new ASN - Rule',
      sourcetype: 'stash',
      index: 'notable',
    };
    await produce(topics.siem!, [
      { key: estate.user.arn, value: JSON.stringify(notable), headers: { format: 'splunk-notable' } },
    ]);

    const keyRemediation = remediationWorkflowId(keyKey, 'deactivate-key', 0);
    const scopeDown = remediationWorkflowId(estate.user.arn, 'scope-down', 0);
    const keyResult = await waitFor(
      'the key to be deactivated',
      async () => (await client.workflow.getHandle(keyRemediation).result()) as RemediationState,
      180_000,
    );
    expect(keyResult.status).toBe('executed');

    const handle = client.workflow.getHandle(scopeDown);
    await waitFor(
      'the scope-down request',
      async () => ((await handle.query(remediationQuery)).status === 'awaiting-approval' ? true : undefined),
      180_000,
    );
    // A person outside the rule's groups is refused, and the refusal is recorded in history.
    const refused = await decide(scopeDown, bob, 'approve', 'looks fine to me');
    expect(refused.accepted).toBe(false);
    const accepted = await decide(scopeDown, alice, 'approve', 'leaked key can reach admin; contain first');
    expect(accepted.accepted).toBe(true);
    const scopeResult = (await handle.result()) as RemediationState;
    expect(scopeResult.status).toBe('executed');

    // The SIEM alert (compromise) asks for quarantine, with two approvers: a responder refuses it.
    const quarantine = remediationWorkflowId(estate.user.arn, 'quarantine', 0);
    const qHandle = client.workflow.getHandle(quarantine);
    await waitFor(
      'the quarantine request',
      async () => ((await qHandle.query(remediationQuery)).status === 'awaiting-approval' ? true : undefined),
      180_000,
    );
    const rejection = await decide(
      quarantine,
      bob,
      'reject',
      'key already deactivated; quarantine would stop payments',
    );
    expect(rejection.accepted).toBe(true);
    // A rejected remediation stays open for late decisions (LATE_DECISION_WINDOW_MS, an hour): its state says
    // rejected now; its history closes when the window does.
    const quarantineState = await waitFor('the quarantine to be rejected', async () => {
      const s = await qHandle.query(remediationQuery);
      return s.status === 'rejected' ? s : undefined;
    });
    expect(quarantineState.status).toBe('rejected');

    // The scope-down is rolled back through the CLI; the follow-up's history is its record.
    const rb = io();
    expect(
      await main(['rollback', scopeDown, '--as', alice.id, '--reason', ROLLBACK_REASON, '--json'], rb.io),
      rb.err.join('\n'),
    ).toBe(0);
    const rolledBack = JSON.parse(rb.out[0]!) as FollowUpState;
    expect(rolledBack).toMatchObject({
      status: 'rolled-back',
      rollback: { by: alice.id, reason: ROLLBACK_REASON, verification: { ok: true } },
    });
    // The update answers once the rollback is done; the follow-up closes right after: export its closed history.
    await client.workflow.getHandle(followUpWorkflowId(scopeDown)).result();

    // Visibility is eventually consistent: wait until the index lists both.
    await waitFor('visibility to list both remediations', async () => {
      const ids = await selectRemediations(client, { since: started });
      return [keyRemediation, scopeDown, quarantine].every((id) => ids.includes(id)) ? ids : undefined;
    });
    // The filters select from the index: a window that ends before they started holds none of them; the action
    // and the identity each pick their own.
    const ours = (ids: string[]) => ids.filter((id) => [keyRemediation, scopeDown, quarantine].includes(id));
    expect(ours(await selectRemediations(client, { since: started, until: started }))).toEqual([]);
    expect(
      ours(await selectRemediations(client, { since: started, until: new Date().toISOString() })).sort(),
    ).toEqual([keyRemediation, scopeDown, quarantine].sort());
    expect(await selectRemediations(client, { since: started, action: 'quarantine' })).toEqual([quarantine]);
    expect((await selectRemediations(client, { since: started, identity: estate.user.arn })).sort()).toEqual(
      [scopeDown, quarantine].sort(),
    );

    // Export #1 through the CLI: one identity, a chain head file of its own.
    process.env.NHI_EVIDENCE_CHAIN_FILE = join(work, 'chain-head.json');
    const first = io();
    const code = await main(
      [
        'evidence',
        'export',
        '--identity',
        estate.user.arn,
        '--out',
        join(work, 'e1'),
        '--key',
        signer.keyFile,
        '--json',
      ],
      first.io,
    );
    // The user's own two, and its access key's deactivation (evidence/key-owner.ts: the user the plan read from AWS).
    expect(first.err.join('\n')).toContain('3/3');
    expect(first.err.join('\n')).toContain(keyRemediation);
    expect(code).toBe(0);
    const one = JSON.parse(first.out[0]!);
    expect(one).toMatchObject({ sequence: 1, previous: null, remediations: 3, publicKey: signer.publicKey });

    // #2 follows the chain head the CLI left; #3 everything since the test began.
    const second = io();
    expect(
      await main(
        [
          'evidence',
          'export',
          '--identity',
          keyKey,
          '--action',
          'deactivate-key',
          '--out',
          join(work, 'e2'),
          '--key',
          signer.keyFile,
          '--json',
        ],
        second.io,
      ),
    ).toBe(0);
    expect(JSON.parse(second.out[0]!)).toMatchObject({
      sequence: 2,
      previous: { sequence: 1, manifestSha256: one.manifestSha256 },
      remediations: 1,
    });
    // An exception request on the user, open (nobody decided yet): the identity's memo counts it, so #3 finds it
    // and exports it as a case of its own.
    const userWorkflow = identityWorkflowId(estate.user.arn);
    const asked = await client.workflow.getHandle(userWorkflow).executeUpdate(requestExceptionUpdate, {
      args: [
        exceptionRequest(
          { person: bob.id, secretKey: bob.secretKey },
          { identityKey: estate.user.arn, action: 'quarantine', for: '7d', ticket: 'CHG-9' },
          'payments freeze until Friday',
        ),
      ],
    });
    expect(asked).toMatchObject({ accepted: true, id: 'exc-1', status: 'open' });
    await waitFor('the identity memo to count the request', async () =>
      (await selectExceptionHolders(client, { since: started })).includes(userWorkflow) ? true : undefined,
    );
    exports.push(
      await exportEvidence(client, {
        outDir: join(work, 'e3'),
        signer,
        query: { since: started },
        previous: { sequence: 2, manifestSha256: JSON.parse(second.out[0]!).manifestSha256 },
      }),
    );
    const third = exports[0]!;
    // The library does not move the chain head (the CLI does): move it, so verify compares with #3.
    writeChainHead(process.env.NHI_EVIDENCE_CHAIN_FILE!, linkTo(third), signer);
    recordEvidenceFixtures(join(work, 'e3'), third.manifest);
    expect(third.cases.map((c) => [c.id, c.status])).toEqual([[`exc-1@${estate.user.arn}`, 'open']]);
    expect((third.cases[0] as ExceptionSummary).decisions).toMatchObject([
      { kind: 'request', by: bob.id, outcome: 'accepted', signatureValid: true },
    ]);
    expect(third.cases[0]!.enforcement).toMatchObject({
      action: 'exception: pause quarantine for 7d',
      identity: estate.user.arn,
      target: [estate.user.arn],
      approvers: [],
    });
    expect(third.summaries.map((s) => s.workflowId).sort()).toEqual(
      [keyRemediation, scopeDown, quarantine].sort(),
    );

    // Each enforcement's summary: action, approvers, identity, target, policy decision, controls — and it
    // agrees with what the workflow itself returned.
    const byAction = (a: string) =>
      third.summaries.find((s) => s.enforcement.action === a) as RemediationSummary;
    const sd = byAction('scope-down');
    expect(sd.enforcement).toMatchObject({
      action: 'scope-down',
      identity: estate.user.arn,
      approvers: [alice.id],
      refusedBy: [],
      target: scopeResult.plan!.steps.map((s) => s.target),
    });
    expect(sd.enforcement.policyDecision).toMatch(
      /^excess-privilege \(approval: security 1\) at score \d+ → executed$/,
    );
    expect(sd.enforcement.controls).toEqual(expect.arrayContaining(['NHI5', 'AC-6', 'CM-3', 'CC6.3']));
    expect(sd.status).toBe(scopeResult.status);
    expect(sd.plan?.value).toEqual(scopeResult.plan);
    expect(sd.verification).toEqual(scopeResult.verification);
    // Every attempt is there: Bob's refused one (outside the rule's groups), then Alice's, counted.
    expect(sd.decisions.map((d) => [d.kind, d.by, d.outcome])).toEqual([
      ['approval', bob.id, 'refused'],
      ...scopeResult.approvals.map((a) => ['approval', a.by, 'accepted']),
    ]);
    expect(sd.decisions.find((d) => d.outcome === 'accepted')?.signatureValid).toBe(true);
    expect(sd.enforcement.controls).toContain('AU-10'); // signed approvals: non-repudiation
    expect(sd.identity).toMatchObject({
      key: estate.user.arn,
      account: estate.account,
      owner: 'team-payments',
    });
    expect(sd.policy).toMatchObject({ ruleId: 'excess-privilege', mode: 'approval' });
    expect(sd.policy.policySha256).toMatch(/^[0-9a-f]{64}$/);
    expect(sd.score?.factors.length).toBeGreaterThan(0);
    expect(sd.apiCalls.map((c) => c.api)).toEqual(scopeResult.plan!.steps.map((s) => s.api));
    // The rollback, from the follow-up's history: who, why, when, verified; exported as part of the case.
    expect(sd.followUp).toMatchObject({
      workflowId: followUpWorkflowId(scopeDown),
      status: 'rolled-back',
      rollback: { by: alice.id, reason: ROLLBACK_REASON, verification: rolledBack.rollback!.verification },
    });
    expect(sd.rollback).toEqual([
      expect.objectContaining({
        by: alice.id,
        reason: ROLLBACK_REASON,
        verification: expect.objectContaining({ ok: true }),
      }),
    ]);
    expect(sd.enforcement.rollback).toEqual({
      by: alice.id,
      reason: ROLLBACK_REASON,
      at: sd.followUp!.rollback!.at,
      verified: true,
    });
    expect(sd.events.map((e) => e.type)).toContain('remediation.rolled-back');
    const sdCase = third.manifest.cases.find((c) => c.workflowId === scopeDown);
    expect(sdCase?.kind === 'remediation' && sdCase.followUpHistories).toEqual([
      expect.stringMatching(/^histories\/.*follow-up.*\.json$/),
    ]);

    const q = byAction('quarantine');
    expect(q.status).toBe('rejected'); // still open for late decisions: the status it published
    expect(q.enforcement).toMatchObject({ approvers: [], refusedBy: [bob.id] });
    expect(q.enforcement.policyDecision).toMatch(
      /^compromised-quarantine \(approval: security 1, incident-response 1\) at score \d+ → rejected$/,
    );
    expect(q.enforcement.controls).toContain('CM-3');
    expect(q.findings.map((f) => f.source?.format)).toContain('splunk-notable');
    expect(q.apiCalls).toEqual([]);
    expect(q.decisions).toEqual([
      expect.objectContaining({
        kind: 'refusal',
        name: 'decide',
        by: bob.id,
        outcome: 'accepted',
        signatureValid: true,
      }),
    ]);

    const dk = byAction('deactivate-key');
    expect(dk.enforcement).toMatchObject({ identity: keyKey, approvers: [], target: [estate.key.id] });
    expect(dk.enforcement.controls).toEqual(
      expect.arrayContaining(['NHI2', 'AC-2', 'IA-5', 'IR-4', 'CC7.4']),
    );
    expect(dk.findings).toEqual([
      expect.objectContaining({
        kind: 'exposed-secret',
        source: expect.objectContaining({ format: 'trufflehog' }),
      }),
    ]);
    expect(dk.apiCalls).toEqual([
      expect.objectContaining({ api: 'iam:UpdateAccessKey', target: estate.key.id, outcome: 'completed' }),
    ]);
    expect(dk.runIds).toEqual([(await client.workflow.getHandle(keyRemediation).describe()).runId]);

    // The chain verifies, through the library and the CLI.
    const dirs = ['e1', 'e2', 'e3'].map((d) => join(work, d));
    expect(verifyChain(dirs, { publicKey: signer.publicKey }).problems).toEqual([]);
    const v = io();
    expect(await main(['evidence', 'verify', work, '--key', signer.publicKey], v.io)).toBe(0);
    expect(v.out.filter((l) => l.startsWith('OK'))).toHaveLength(3);
  }, 400_000);

  it('verify names every changed byte, missing, added or reordered file and a gap in the chain', () => {
    const src = join(work, 'e3');
    const manifest = JSON.parse(readFileSync(join(src, MANIFEST_FILE), 'utf8')) as {
      files: Array<{ path: string }>;
    };
    const copy = (name: string) => {
      const dir = join(work, 'tamper', name);
      cpSync(src, dir, { recursive: true });
      return dir;
    };
    const problems = (dir: string) =>
      verifyExport(dir, { publicKey: signer.publicKey }).problems.map((p) => `${p.subject}: ${p.problem}`);

    // One byte changed in each file, in turn (the middle byte, so JSON framing is no help).
    for (const path of [...manifest.files.map((f) => f.path), MANIFEST_FILE, SIGNATURE_FILE]) {
      const dir = copy(`byte-${path.replace(/\W+/g, '_')}`);
      const bytes = readFileSync(join(dir, path));
      const i = Math.floor(bytes.length / 2);
      bytes[i] = bytes[i] === 0x41 ? 0x42 : 0x41;
      writeFileSync(join(dir, path), bytes);
      const found = problems(dir);
      expect(found.length, `a changed byte in ${path} went unnoticed`).toBeGreaterThan(0);
      expect(
        found.some((p) => p.startsWith(`${path}:`)),
        `${path}: ${found.join(' | ')}`,
      ).toBe(true);
    }

    // The scope-down's follow-up history (its rollback): changed, it is named; left out of a re-signed
    // manifest, verify says the remediation started a follow-up the export does not hold.
    const followUpFile = manifest.files.find(
      (f) => /follow-up/.test(f.path) && /scope-down/.test(f.path),
    )!.path;
    const tampered = copy('follow-up-edited');
    // Payloads are stored as base64: the reason is edited inside the decoded rollback request.
    const text = readFileSync(join(tampered, followUpFile), 'utf8');
    const edited = text.replace(/"data":\s*"([A-Za-z0-9+/=]+)"/g, (whole, b64: string) => {
      const decoded = Buffer.from(b64, 'base64').toString('utf8');
      if (!decoded.includes(ROLLBACK_REASON)) return whole;
      return `"data": "${Buffer.from(decoded.replace(ROLLBACK_REASON, 'nobody asked')).toString('base64')}"`;
    });
    expect(edited).not.toBe(text);
    writeFileSync(join(tampered, followUpFile), edited);
    expect(problems(tampered).some((p) => p.startsWith(`${followUpFile}: changed`))).toBe(true);
    const dropped = copy('follow-up-dropped');
    unlinkSync(join(dropped, followUpFile));
    const dm = JSON.parse(readFileSync(join(dropped, MANIFEST_FILE), 'utf8')) as {
      files: Array<{ path: string }>;
      cases: Array<{ followUpHistories?: string[]; summary?: string }>;
    };
    dm.files = dm.files.filter((f) => f.path !== followUpFile);
    const droppedCase = dm.cases.find((c) => c.followUpHistories?.includes(followUpFile))!;
    delete droppedCase.followUpHistories;
    const dmText = `${JSON.stringify(dm, null, 2)}\n`;
    writeFileSync(join(dropped, MANIFEST_FILE), dmText);
    writeFileSync(
      join(dropped, SIGNATURE_FILE),
      JSON.stringify({
        algorithm: 'ed25519',
        publicKey: signer.publicKey,
        manifestSha256: createHash('sha256').update(dmText).digest('hex'),
        signature: signer.sign(Buffer.from(dmText)),
      }),
    );
    const dp = problems(dropped);
    expect(dp).toContain(
      `${droppedCase.summary}: its history started follow-up ${followUpWorkflowId(
        exports[0]!.summaries.find((x) => x.enforcement.action === 'scope-down')!.workflowId,
      )}, whose history is not in the export`,
    );
    expect(dp.some((p) => p.startsWith(`${droppedCase.summary}: differs from its history at`))).toBe(true);

    const summary = manifest.files.find((f) => f.path.startsWith('summaries/'))!.path;
    const deleted = copy('deleted');
    unlinkSync(join(deleted, summary));
    expect(problems(deleted)).toContain(`${summary}: missing`);

    const added = copy('added');
    writeFileSync(join(added, 'histories', 'extra.json'), '{}');
    expect(problems(added)).toContain('histories/extra.json: added (not in the manifest)');

    const reordered = copy('reordered');
    const m = JSON.parse(readFileSync(join(reordered, MANIFEST_FILE), 'utf8'));
    [m.files[0], m.files[1]] = [m.files[1], m.files[0]];
    writeFileSync(join(reordered, MANIFEST_FILE), `${JSON.stringify(m, null, 2)}\n`);
    const r = problems(reordered);
    expect(r.some((p) => p.startsWith('manifest.json: changed since it was signed'))).toBe(true);
    expect(r.some((p) => p.startsWith('manifest.json: files out of order at entry 2'))).toBe(true);

    // A summary rewritten and re-hashed, as someone with write access but without the key would: the manifest no
    // longer matches its signature, and the summary no longer matches its history.
    const forged = copy('forged');
    const s = JSON.parse(readFileSync(join(forged, summary), 'utf8'));
    s.enforcement.approvers = ['mallory@security'];
    writeFileSync(join(forged, summary), `${JSON.stringify(s, null, 2)}\n`);
    const f = problems(forged);
    expect(
      f.some((p) => p.startsWith(`${summary}: differs from its history at enforcement.approvers[0]`)),
    ).toBe(true);

    // Removing #2 from the middle of the chain.
    const gap = verifyChain([join(work, 'e1'), join(work, 'e3')], { publicKey: signer.publicKey });
    expect(gap.ok).toBe(false);
    expect(gap.problems.map((p) => p.problem)).toEqual([
      `export #3 follows #1 (${join(work, 'e1')}): export(s) #2 missing`,
    ]);
    // A wrong key is named.
    const other = testSigner();
    expect(verifyExport(src, { publicKey: other.publicKey }).problems.map((p) => p.subject)).toContain(
      SIGNATURE_FILE,
    );
  });

  const allExports = () => ['e1', 'e2', 'e3'].map((d) => everythingIn(join(work, d))).join('\n');

  it('no scanner canary anywhere in any export, decoded payloads included', () => {
    const text = allExports();
    // The canary did go through: the scanner finding is in the exported histories, by key id and fingerprint.
    expect(text).toContain(estate.key.id);
    expect(text).not.toContain(estate.key.secret);
    expect(text).not.toContain(Buffer.from(estate.key.secret).toString('base64'));
    // Temporal holds the payloads encrypted; the export decoded every one with the client's codec.
    expect(text).not.toContain('binary/encrypted');
  });

  // A PEM private key pasted into a Splunk notable's free text: the normaliser scrubs credential shapes in free
  // text (#13), so it reaches neither the history nor the evidence.
  it('no SIEM free-text canary anywhere in any export, decoded payloads included', () => {
    const text = allExports();
    expect(text).toContain('Threat - AWS credential used from new ASN');
    expect(text).not.toContain('MIIEcanary');
  });
});
