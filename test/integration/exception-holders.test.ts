// Where exception requests are found without naming an identity, against the real stack: a request refused at
// once on an identity that has nothing else (no finding, no remediation, no exception) is counted in its memo, so
// `nhi evidence export` without --identity exports it and the export verifies; and an identity memo written under a
// payload key this process does not hold is named on stderr by `nhi evidence export`, `nhi pending` and
// `nhi exceptions`, which list the rest. The count is versioned (patched); the history it writes replays.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, WithStartWorkflowOperation } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exceptionDecision, exceptionRequest } from '../../cli/decisions.ts';
import { main } from '../../cli/main.ts';
import { selectExceptionHolders } from '../../evidence/exception-holders.ts';
import { MANIFEST_FILE } from '../../evidence/manifest.ts';
import { AesGcmPayloadCodec } from '../../runtime/payload-codec.ts';
import { parseKeyRing } from '../../runtime/payload-keys.ts';
import { awsIdentityFromArn } from '../../schemas/identity-keys.ts';
import {
  decideExceptionUpdate,
  IDENTITY_MEMO_KEY,
  IDENTITY_WORKFLOW_TYPE,
  type IdentityMemo,
  identityQuery,
  identityWorkflowId,
  requestExceptionUpdate,
} from '../../workflows/identity/definitions.ts';
import type { identityWorkflow } from '../../workflows/identity/workflow.ts';
import { testSigner } from '../support/evidence.ts';
import { directoryFile, person } from '../support/people.ts';
import { finalHistory, replay, startTestWorker, type TestWorker, waitFor } from './identity-support.ts';

const suffix = randomUUID().slice(0, 8);
const quiet = `arn:aws:iam::123456789012:user/quiet-${suffix}`;
/** Another deployment's identity workflow: its memo is sealed with a key this process does not hold. */
const foreign = `arn:aws:iam::123456789012:user/foreign-${suffix}`;
const work = mkdtempSync(join(tmpdir(), 'nhi-exception-holders-'));
const bob = person('bob@example.com', 'payments');
const alice = person('alice@example.com', 'security');
const signer = testSigner();
let w: TestWorker;
let foreignClient: Client;

const escaped = (text: string) => text.replace(/[/.]/g, '\\$&');
const foreignSkipped = (prefix: string) =>
  expect.stringMatching(
    new RegExp(`^${prefix}: skipped ${escaped(identityWorkflowId(foreign))}: its memo does not decode`),
  );

const io = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
};

beforeAll(async () => {
  process.env.NHI_DIRECTORY_FILE = directoryFile([bob, alice], work);
  process.env.NHI_EVIDENCE_CHAIN_FILE = join(work, 'chain-head.json');
  w = await startTestWorker('exc-holders');
  w.terminateAtStop.push(identityWorkflowId(quiet), identityWorkflowId(foreign));
  const otherKey = new AesGcmPayloadCodec(
    parseKeyRing(`elsewhere:${randomBytes(32).toString('base64')}`, undefined, 'test'),
  );
  foreignClient = new Client({
    connection: w.client.connection,
    namespace: w.client.options.namespace,
    dataConverter: { payloadCodecs: [otherKey] },
  });
  // Started on a queue no worker polls: it only has to be listed, with a memo that says it holds exceptions.
  const memo: IdentityMemo = {
    type: 'aws-user',
    factors: [],
    remediations: [],
    openExceptionRequests: 1,
    liveExceptions: 1,
    endedExceptions: 1,
    exceptionRequests: 2,
  };
  await foreignClient.workflow.start(IDENTITY_WORKFLOW_TYPE, {
    workflowId: identityWorkflowId(foreign),
    taskQueue: `nobody-${suffix}`,
    args: [{ identity: awsIdentityFromArn(foreign) }],
    memo: { [IDENTITY_MEMO_KEY]: memo },
  });
}, 120_000);

afterAll(async () => {
  await w?.stop();
  delete process.env.NHI_DIRECTORY_FILE;
  delete process.env.NHI_EVIDENCE_CHAIN_FILE;
  rmSync(work, { recursive: true, force: true });
});

describe('exception requests found without --identity', () => {
  it('a request refused at once on a quiet identity is counted in its memo, exported and verified', async () => {
    const started = new Date(Date.now() - 1000).toISOString();
    // As `nhi except request` sends it: update-with-start, the identity has no finding and no workflow yet.
    const result = await w.client.workflow.executeUpdateWithStart(requestExceptionUpdate, {
      args: [
        exceptionRequest(
          { person: bob.id, secretKey: bob.secretKey },
          { identityKey: quiet, action: 'scope-down', for: '31d' },
          'quarter-end freeze',
        ),
      ],
      startWorkflowOperation: new WithStartWorkflowOperation<typeof identityWorkflow>(
        IDENTITY_WORKFLOW_TYPE,
        {
          workflowId: identityWorkflowId(quiet),
          taskQueue: w.taskQueue,
          args: [{ identity: awsIdentityFromArn(quiet)! }],
          workflowIdConflictPolicy: 'USE_EXISTING',
        },
      ),
    });
    expect(result.accepted).toBe(false);
    expect(result.refusal).toMatch(/^an exception may last at most 30 days/);
    // Nothing else on it: no request numbered, no exception, no remediation.
    const record = await w.client.workflow.getHandle(identityWorkflowId(quiet)).query(identityQuery);
    expect(record).toMatchObject({ exceptionRequests: [], exceptions: [], remediations: [], findings: [] });
    expect(record.exceptionRequestsReceived).toBe(1);

    // The index: its memo counts the request (visibility is eventually consistent); the foreign memo is named.
    const skipped: string[] = [];
    await waitFor('the quiet identity to be listed as holding exception requests', async () =>
      (await selectExceptionHolders(w.client, { since: started }, (l) => skipped.push(l))).includes(
        identityWorkflowId(quiet),
      )
        ? true
        : undefined,
    );
    expect(skipped).toContainEqual(foreignSkipped('evidence'));

    const out = join(work, 'export');
    const exported = io();
    const code = await main(
      ['evidence', 'export', '--since', started, '--out', out, '--key', signer.keyFile, '--json'],
      exported.io,
    );
    expect(code, exported.err.join('\n')).toBe(0);
    expect(JSON.parse(exported.out[0]!).exceptions).toBeGreaterThanOrEqual(1);
    expect(exported.err).toContainEqual(foreignSkipped('evidence'));

    const verified = io();
    expect(
      await main(['evidence', 'verify', out, '--key', signer.publicKey, '--json'], verified.io),
      verified.out.join('\n') + verified.err.join('\n'),
    ).toBe(0);
    // The case itself, as the export's verified manifest lists it.
    const manifest = JSON.parse(readFileSync(join(out, MANIFEST_FILE), 'utf8')) as {
      cases: Array<{ kind: string; id: string }>;
    };
    expect(manifest.cases).toContainEqual(
      expect.objectContaining({ kind: 'exception', id: `refused-1@${quiet}` }),
    );
  }, 240_000);
});

describe('nhi pending and nhi exceptions with a memo that does not decode', () => {
  it('name it on stderr and list the rest', async () => {
    const handle = w.client.workflow.getHandle(identityWorkflowId(quiet));
    const ask = (action: string) =>
      handle.executeUpdate(requestExceptionUpdate, {
        args: [
          exceptionRequest(
            { person: bob.id, secretKey: bob.secretKey },
            { identityKey: quiet, action, for: '7d' },
            'launch week',
          ),
        ],
      });
    // One granted (live), one left open.
    const granted = await ask('scope-down');
    expect(granted).toMatchObject({ accepted: true, id: 'exc-1', status: 'open' });
    const termsHash = (await handle.query(identityQuery)).exceptionRequests.find(
      (r) => r.id === 'exc-1',
    )!.termsHash;
    expect(
      await handle.executeUpdate(decideExceptionUpdate, {
        args: [
          exceptionDecision(
            { person: alice.id, secretKey: alice.secretKey },
            quiet,
            'exc-1',
            termsHash,
            'approve',
            'ok for launch',
          ),
        ],
      }),
    ).toMatchObject({ accepted: true, status: 'granted' });
    expect(await ask('quarantine')).toMatchObject({ accepted: true, id: 'exc-2', status: 'open' });

    const listing = async (args: string[]) => {
      const run = io();
      const code = await main(args, run.io);
      return { code, ...run, json: run.out.map((l) => JSON.parse(l) as { id?: string; publicId?: string }) };
    };
    // Visibility is eventually consistent: wait until the memo's counts are listed.
    const pending = await waitFor('nhi pending to list the open request', async () => {
      const r = await listing(['pending', '--json']);
      return r.json.some((p) => p.id === `exc-2@${quiet}`) ? r : undefined;
    });
    expect(pending.code).toBe(0);
    expect(pending.err).toContainEqual(foreignSkipped('nhi pending'));
    const live = await waitFor('nhi exceptions to list the grant', async () => {
      const r = await listing(['exceptions', '--json']);
      return r.json.some((e) => e.publicId === `exc-1@${quiet}`) ? r : undefined;
    });
    expect(live.code).toBe(0);
    expect(live.err).toContainEqual(foreignSkipped('nhi exceptions'));
    const ended = await listing(['exceptions', '--expired', '--json']);
    expect(ended.code).toBe(0);
    expect(ended.err).toContainEqual(foreignSkipped('nhi exceptions'));

    // The counting is versioned (patched): the history it wrote replays against the code that wrote it.
    const history = await finalHistory(w.client, identityWorkflowId(quiet));
    expect(history.events?.some((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')).toBe(
      true,
    );
    expect(await replay([{ workflowId: identityWorkflowId(quiet), history }])).toEqual([]);
  }, 240_000);
});
