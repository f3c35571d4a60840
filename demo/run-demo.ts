// `nhi demo`: the main job end to end on a built-in sample, printing what happened at each step.
// stack up → seed an IAM estate → a scanner finding with a leaked key goes to Kafka → consumer → identity
// workflows score it → policy starts remediations → the key is deactivated, the user scoped down after an
// approval → the leaked key is proven denied → the scoped-down user gets one action back for 15 minutes (signed
// approval, sealed credentials, then revoked) → the decisions' histories are written as evidence.
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { Client } from '@temporalio/client';
import { awsClients, awsClientsFor } from '../activities/aws/clients.ts';
import { defaultPolicyPath } from '../activities/policy-source.ts';
import { remediationDecision } from '../cli/decisions.ts';
import { splitRecords } from '../consumers/split-records.ts';
import {
  defaultChainFile,
  defaultEvidenceKeyFile,
  mayCreateEvidenceKey,
  readChainHead,
  writeChainHead,
} from '../evidence/chain-head.ts';
import { exportEvidence, linkTo } from '../evidence/export.ts';
import { closeHistoryConnections } from '../evidence/fetch-history.ts';
import { evidenceSigner } from '../evidence/signing-key.ts';
import { verifyExport } from '../evidence/verify.ts';
import { stateDir, topics } from '../infra/endpoints.ts';
import { stackUp } from '../infra/stack.ts';
import { remediationWorkflowId } from '../risk/decide.ts';
import { describePath } from '../risk/reach.ts';
import { kafka, temporalClient } from '../runtime/connections.ts';
import { startPipeline } from '../runtime/pipeline.ts';
import { fingerprintKeyFromEnv } from '../schemas/redaction.ts';
import { identityQuery, identityWorkflowId } from '../workflows/identity/definitions.ts';
import type { IdentityRecord } from '../workflows/identity/state.ts';
import {
  decideUpdate,
  type RemediationState,
  remediationQuery,
} from '../workflows/remediation/definitions.ts';
import { demoCatalogueYaml, demoJustInTime, seedAccessRole } from './access.ts';
import { checkEncryptedHistories } from './encryption-check.ts';
import { renderSample, seedDemoEstate } from './estate.ts';
import { type DemoPerson, demoPeople } from './people.ts';

const SAMPLE = new URL('./leaked-key.trufflehog.jsonl', import.meta.url);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // not there yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(300);
  }
}

const deniedOrAllowed = async (fn: () => Promise<unknown>) => {
  try {
    await fn();
    return 'allowed';
  } catch (error) {
    return `denied (${(error as Error).name})`;
  }
};

export async function runDemo(say: (line: string) => void): Promise<void> {
  say('1. local stack');
  const up = await stackUp({ log: (l) => say(`   ${l}`) });
  say(
    `   kafka, temporal, moto healthy${up.started.length ? ` (started: ${up.started.join(', ')})` : ' (reused)'}`,
  );

  const aws = awsClients();
  const prefix = `demo-${randomUUID().slice(0, 6)}`;
  const estate = await seedDemoEstate(aws, prefix);
  say(
    `2. IAM estate in the AWS emulator: ${describePath([estate.user.arn, estate.roles.deploy, estate.roles.admin])} (admin), access key ${estate.key.id}`,
  );

  // The reviewers' directory, for the worker this process runs (the policy's own file lists nobody).
  const people = demoPeople(join(stateDir(), '..', 'demo', prefix));
  process.env.NHI_DIRECTORY_FILE = people.file;
  // The default policy plus a just-in-time catalogue entry for this run's role.
  await seedAccessRole(aws, prefix);
  const policyFile = join(dirname(people.file), 'policy.yaml');
  writeFileSync(policyFile, `${readFileSync(defaultPolicyPath, 'utf8')}\n${demoCatalogueYaml(prefix)}`);
  process.env.NHI_POLICY_FILE = policyFile;
  const pipeline = await startPipeline({});
  const temporal = await temporalClient();
  try {
    const template = readFileSync(SAMPLE, 'utf8');
    const [record] = splitRecords(
      Buffer.from(renderSample(template, estate)),
      'trufflehog',
      fingerprintKeyFromEnv(),
    );
    const producer = kafka('nhi-demo').producer();
    await producer.connect();
    const [sent] = await producer.send({
      topic: topics.scanner,
      acks: -1,
      messages: [{ key: record!.key ?? null, value: record!.value, headers: { format: 'trufflehog' } }],
    });
    await producer.disconnect();
    say(`3. finding in: trufflehog saw the key's secret in example-org/payments-service deploy/ci.env:7`);
    say(
      `   → ${topics.scanner} partition ${sent?.partition} offset ${sent?.baseOffset}, keyed by ${record!.key}`,
    );

    const keyKey = `aws:access-key:${estate.key.id}`;
    const keyRecord = await waitFor('the access key to be assessed', async () => {
      const r = await temporal.workflow.getHandle(identityWorkflowId(keyKey)).query(identityQuery);
      return r.remediations.length ? r : undefined;
    });
    const userRecord = await waitFor('the user to be assessed', async () => {
      const r = await temporal.workflow.getHandle(identityWorkflowId(estate.user.arn)).query(identityQuery);
      return r.assessment ? r : undefined;
    });
    say(
      '4. identities scored by what they can do (consumer → signal-with-start → identity workflow → assessIdentity):',
    );
    for (const r of [keyRecord, userRecord]) printAssessment(r, say);

    const keyRemediation = remediationWorkflowId(keyKey, 'deactivate-key', 0);
    const keyResult = (await temporal.workflow.getHandle(keyRemediation).result()) as RemediationState;
    say(`5. policy rule '${keyResult.input.ruleId}' (${keyResult.input.mode}) → ${keyRemediation}`);
    say(
      `   plan: ${keyResult.plan?.steps.map((s) => `${s.api} ${s.target}`).join('; ') || keyResult.plan?.noop}`,
    );
    say(`   result: ${keyResult.status}; verified: ${keyResult.verification?.detail}`);

    const leaked = awsClientsFor({ accessKeyId: estate.key.id, secretAccessKey: estate.key.secret });
    // What the user never used goes (assuming the deploy role: its path to admin); what it may still do stays.
    const assumeDeploy = () =>
      leaked.sts.send(new AssumeRoleCommand({ RoleArn: estate.roles.deploy, RoleSessionName: 'nhi-demo' }));
    const before = await deniedOrAllowed(assumeDeploy);
    const scopeDown = await approveScopeDown(temporal, estate.user.arn, people, say);
    const after = await deniedOrAllowed(assumeDeploy);
    const denied =
      scopeDown.plan?.explanation?.filter((e) => e.verdict === 'deny').map((e) => e.action) ?? [];
    say(
      `   plan: deny ${denied.join(', ') || 'nothing'} (never used); rollback: ${scopeDown.plan?.rollback?.how}`,
    );
    say(`   ${scopeDown.status}; verified: ${scopeDown.verification?.detail}`);
    say(
      `7. proof with the leaked key itself: sts:AssumeRole into the deploy role before scope-down ${before}, after ${after}`,
    );

    const access = await demoJustInTime(temporal, aws, estate.user.arn, people, say);

    const dir = join(
      stateDir(),
      '..',
      'evidence',
      `${prefix}-${new Date().toISOString().replace(/[:.]/g, '-')}`,
    );
    // The two remediations; their identity workflows come with them (every run of each chain).
    const ids = [keyRemediation, remediationWorkflowId(estate.user.arn, 'scope-down', 0)];
    const chainFile = defaultChainFile();
    const signer = evidenceSigner(defaultEvidenceKeyFile(), { create: mayCreateEvidenceKey() });
    const evidence = await exportEvidence(temporal, {
      workflowIds: [...ids, access.workflowId],
      outDir: dir,
      signer,
      previous: readChainHead(chainFile),
    });
    writeChainHead(chainFile, linkTo(evidence), signer);
    const verified = verifyExport(dir);
    const secretLeaked = evidence.manifest.files.some((f) => {
      const text = readFileSync(join(dir, f.path), 'utf8');
      return text.includes(estate.key.secret) || text.includes(access.secret);
    });
    const histories = evidence.manifest.files.filter((f) => f.path.startsWith('histories/')).length;
    say(
      `9. evidence #${evidence.manifest.sequence}: ${histories} workflow histories, ${evidence.summaries.length} remediation summaries and ${evidence.cases.filter((c) => c.kind === 'access').length} access summary, report.html, signed manifest → ${dir}`,
    );
    for (const s of evidence.summaries)
      say(
        `   ${s.enforcement.action}: ${s.status}; approvers ${s.enforcement.approvers.join(', ') || 'none'}; controls ${s.enforcement.controls.join(' ')}`,
      );
    say(
      `   nhi evidence verify: ${verified.ok ? 'OK' : verified.problems.map((p) => `${p.subject}: ${p.problem}`).join('; ')}`,
    );
    const accessCase = evidence.manifest.cases.find((c) => c.kind === 'access');
    if (accessCase?.kind === 'access') {
      const a = JSON.parse(readFileSync(join(dir, accessCase.summary), 'utf8'));
      say(
        `   access ${a.action}: ${a.outcome}; requester ${a.requester}; approvers ${a.approvers.join(', ')}; revoked by ${a.revocation?.by}; controls ${a.controls.map((x: { id: string }) => x.id).join(' ')}`,
      );
    }
    say(
      `   raw secret in evidence: ${secretLeaked ? 'YES — BUG' : 'no (fingerprint and masked hint only; no part of the granted credentials)'}`,
    );
    if (!verified.ok) throw new Error('the evidence export does not verify');
    if (secretLeaked) throw new Error('the raw secret reached the evidence');
    const stored = await checkEncryptedHistories(temporal, ids, estate.key.secret, estate.key.id);
    say(
      `10. in Temporal: ${stored.encrypted} of ${stored.payloads} payloads are AES-256-GCM ciphertext (key ${stored.keyIds.join(', ')}), besides ${stored.searchAttributes} search attribute values and ${stored.sdkMarkers} SDK markers naming only a patch or a seal activity`,
    );
    say(
      `   decrypted with the demo's key they name ${estate.key.id}: ${stored.expectedFound ? 'yes' : 'NO — BUG'}; hold its raw secret: ${stored.secretFound ? 'YES — BUG' : 'no'}`,
    );
    if (stored.encrypted !== stored.payloads || stored.secretFound || !stored.expectedFound)
      throw new Error(
        'Temporal holds a payload in the clear, or the secret, or the histories did not decrypt',
      );
  } finally {
    await closeHistoryConnections();
    await temporal.connection.close();
    await pipeline.stop();
  }
  say('done. The stack is still up: nhi stack status | nhi stack down');
}

function printAssessment(record: IdentityRecord, say: (line: string) => void): void {
  const a = record.assessment;
  if (!a) return;
  say(`   ${record.identity.key}: score ${a.risk.score}, owner ${a.owner ?? 'none'}`);
  for (const f of a.risk.factors.filter((x) => x.contribution > 0).slice(0, 4))
    say(`     +${f.contribution} ${f.reason}`);
}

async function approveScopeDown(
  temporal: Client,
  userArn: string,
  people: { alice: DemoPerson; paul: DemoPerson },
  say: (line: string) => void,
): Promise<RemediationState> {
  const id = remediationWorkflowId(userArn, 'scope-down', 0);
  const handle = temporal.workflow.getHandle(id);
  const pending = await waitFor('the scope-down request', async () => {
    const s = await handle.query(remediationQuery);
    return s.status === 'awaiting-approval' ? s : undefined;
  });
  const groups = Object.entries(pending.input.approval?.groups ?? {})
    .map(([g, n]) => `${n} of ${g}`)
    .join(' and ');
  say(`6. policy rule '${pending.input.ruleId}' needs ${groups} → ${id}`);
  say(
    `   plan: ${pending.plan?.steps.map((s) => `${s.api} ${s.target} (${s.detail.policyName})`).join('; ')}`,
  );
  say(
    `   plan hash ${pending.planHash?.slice(0, 16)}…, owner ${pending.input.owner ?? 'none'} (from the cloud)`,
  );
  const request = pending.request!;
  const asPaul = remediationDecision(
    { person: people.paul.id, secretKey: people.paul.secretKey },
    request,
    'approve',
    'looks fine to me',
  );
  const paul = await handle.executeUpdate(decideUpdate, { args: [asPaul] });
  say(`   ${people.paul.id} (security, and in team-payments) signs an approval → refused: ${paul.refusal}`);
  const asAlice = remediationDecision(
    { person: people.alice.id, secretKey: people.alice.secretKey },
    request,
    'approve',
    'leaked key can reach admin; contain first',
  );
  const alice = await handle.executeUpdate(decideUpdate, { args: [asAlice] });
  say(
    `   ${people.alice.id} (security) signs an approval with her Ed25519 key → ${alice.accepted ? 'accepted' : `refused: ${alice.refusal}`}`,
  );
  return (await handle.result()) as RemediationState;
}
