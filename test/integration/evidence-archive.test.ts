// Archives beyond retention: a Temporal Schedule runs the evidence archive workflow on a worker every few seconds;
// each run exports the remediations closed since the last one to S3 in the AWS emulator, chained to the last
// export; the archive is downloaded from S3 and verifies as a chain, through the library and the CLI.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { ensureArchiveSchedule, removeArchiveSchedule } from '../../evidence/archive-schedule.ts';
import { downloadArchive, readArchiveHead, s3Client } from '../../evidence/s3-archive.ts';
import { verifyChain } from '../../evidence/verify.ts';
import { remediationWorkflowId } from '../../risk/decide.ts';
import type { RemediationState } from '../../workflows/remediation/definitions.ts';
import {
  deliver,
  leakedKey,
  seedAdminUser,
  startTestWorker,
  type TestWorker,
  waitFor,
} from './identity-support.ts';

const id = randomUUID().slice(0, 8);
const bucket = `nhi-evidence-${id}`;
const target = { bucket, prefix: 'archive/' };
const scheduleId = `nhi-evidence-archive-test-${id}`;
const work = mkdtempSync(join(tmpdir(), 'nhi-archive-test-'));
let w: TestWorker;

beforeAll(async () => {
  w = await startTestWorker('evidence-archive');
  await s3Client().send(new CreateBucketCommand({ Bucket: bucket }));
});

afterAll(async () => {
  await removeArchiveSchedule(w.client, scheduleId).catch(() => {});
  await w?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('evidence archive', () => {
  it('a scheduled export lands in S3 with the chain intact, and verifies from there', async () => {
    // Something to archive: a leaked key deactivated automatically.
    const { key } = await seedAdminUser(`arch-${id}`, { owner: 'team-archive' });
    w.terminateAtStop.push(`identity/${key.key}`);
    await deliver(w.client, w.taskQueue, key, [
      leakedKey(key, { title: 'key in repo', fingerprint: 'b'.repeat(64) }),
    ]);
    const remediation = remediationWorkflowId(key.key, 'deactivate-key', 0);
    const result = await waitFor(
      'the key remediation to close',
      async () => (await w.client.workflow.getHandle(remediation).result()) as RemediationState,
      120_000,
    );
    expect(result.status).toBe('executed');

    expect(
      await ensureArchiveSchedule(w.client, { every: '3s', ...target, taskQueue: w.taskQueue, scheduleId }),
    ).toBe('created');
    // Runs come from the schedule itself: wait for three archives.
    const s3 = s3Client();
    await waitFor(
      'three scheduled archives in S3',
      async () => ((await readArchiveHead(s3, target))?.sequence ?? 0) >= 3 || undefined,
      120_000,
    );
    await removeArchiveSchedule(w.client, scheduleId);

    const dirs = await downloadArchive(s3, target, join(work, 'download'));
    const chain = verifyChain(dirs);
    expect(chain.problems).toEqual([]);
    const sequences = chain.exports.map((e) => e.manifest!.sequence).sort((a, b) => a - b);
    expect(sequences.slice(0, 3)).toEqual([1, 2, 3]);
    // The remediation closed before the first archive: it is in #1, and in no later one.
    const holding = chain.exports.filter((e) => e.manifest!.cases.some((c) => c.workflowId === remediation));
    expect(holding.map((e) => e.manifest!.sequence)).toEqual([1]);
    expect(chain.exports.find((e) => e.manifest!.sequence === 2)!.manifest!.previous).toEqual({
      sequence: 1,
      manifestSha256: chain.exports.find((e) => e.manifest!.sequence === 1)!.manifestSha256,
    });

    // The CLI reads the archive straight from S3.
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
    expect(await main(['evidence', 'verify', `s3://${bucket}/archive/`], io)).toBe(0);
    expect(out.filter((l) => l.startsWith('OK')).length).toBe(dirs.length);

    // An export removed from the middle of the archive is named.
    const second = chain.exports.find((e) => e.manifest!.sequence === 2)!;
    const folder = second.dir.split('/').at(-1)!;
    for (const f of [...second.manifest!.files.map((x) => x.path), 'manifest.json', 'manifest.sig.json'])
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: `archive/${folder}/${f}` }));
    const gap: string[] = [];
    expect(
      await main(['evidence', 'verify', `s3://${bucket}/archive/`], {
        out: (l) => gap.push(l),
        err: () => {},
      }),
    ).toBe(1);
    expect(gap.join('\n')).toMatch(/chain: export #3 follows #1 .*: export\(s\) #2 missing/);

    // A file slipped into an export in the bucket is named too.
    const third = chain.exports
      .find((e) => e.manifest!.sequence === 3)!
      .dir.split('/')
      .at(-1)!;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `archive/${third}/note.txt`, Body: 'hi' }));
    const added: string[] = [];
    await main(['evidence', 'verify', `s3://${bucket}/archive/`], {
      out: (l) => added.push(l),
      err: () => {},
    });
    expect(added.join('\n')).toContain('note.txt: added (not in the manifest)');
  }, 300_000);
});
