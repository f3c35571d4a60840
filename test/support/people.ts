// People with real Ed25519 key pairs, a directory snapshot of them, and their signed decisions: what `nhi approve`
// sends, built in-process for workflow tests.
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Client, WithStartWorkflowOperation, type WorkflowHandle } from '@temporalio/client';
import { exceptionDecision, exceptionRequest } from '../../cli/decisions.ts';
import { directoryYaml } from '../../demo/people.ts';
import type { DirectorySnapshot } from '../../schemas/directory.ts';
import {
  type DecisionClaims,
  newKeyPair,
  type SignedDecision,
  signDecision,
} from '../../schemas/signed-decision.ts';
import {
  brakeTerms,
  CONTROL_RUN,
  CONTROL_WORKFLOW_TYPE,
  type ControlInput,
  controlStatusQuery,
  controlWorkflowId,
  pauseUpdate,
  resumeUpdate,
} from '../../workflows/control/definitions.ts';
import {
  decideExceptionUpdate,
  type ExceptionResult,
  identityQuery,
  identityWorkflowId,
  requestExceptionUpdate,
} from '../../workflows/identity/definitions.ts';
import {
  decideUpdate,
  followUpQuery,
  remediationQuery,
  rollbackUpdate,
} from '../../workflows/remediation/definitions.ts';

export interface TestPerson {
  id: string;
  groups: string[];
  secretKey: string;
  publicKey: string;
}

export function person(id: string, ...groups: string[]): TestPerson {
  return { id, groups, ...newKeyPair() };
}

export function snapshotOf(people: readonly TestPerson[], source = 'test-directory'): DirectorySnapshot {
  return {
    source,
    people: Object.fromEntries(people.map((p) => [p.id, { groups: p.groups, keys: [p.publicKey] }])),
  };
}

export function sign(
  who: TestPerson,
  claims: Omit<DecisionClaims, 'person' | 'time'> & { time?: string },
): SignedDecision {
  return signDecision(
    { ...claims, person: who.id, time: claims.time ?? new Date().toISOString() },
    who.secretKey,
  );
}

/** Key files of people as `nhi keys new` writes them (NHI_KEYS_DIR): what the CLI signs with for `--as`. */
export function keyFiles(people: readonly TestPerson[], dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const p of people)
    writeFileSync(
      join(dir, `${p.id}.key`),
      `${JSON.stringify({ person: p.id, publicKey: p.publicKey, secretKey: p.secretKey })}\n`,
      { mode: 0o600 },
    );
  return dir;
}

/** A directory file for the real activities (NHI_DIRECTORY_FILE), as a person would write it. */
export function directoryFile(people: readonly TestPerson[], dir: string): string {
  const file = join(dir, `directory-${Math.random().toString(36).slice(2, 8)}.yaml`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, directoryYaml(people));
  return file;
}

/**
 * An exception as people grant it: Bob requests it, Alice (security) approves it, both signed. Points the in-process
 * worker at a directory holding the two of them (NHI_DIRECTORY_FILE). Returns the grant's answer.
 */
export async function grantException(
  client: Client,
  identityKey: string,
  terms: { action: string; for: string },
  reason: string,
): Promise<ExceptionResult> {
  const bob = person('bob@example.com', 'platform');
  const alice = person('alice@example.com', 'security');
  process.env.NHI_DIRECTORY_FILE = directoryFile([bob, alice], tmpdir());
  const handle = client.workflow.getHandle(identityWorkflowId(identityKey));
  const opened = await handle.executeUpdate(requestExceptionUpdate, {
    args: [exceptionRequest({ person: bob.id, secretKey: bob.secretKey }, { identityKey, ...terms }, reason)],
  });
  if (!opened.accepted) return opened;
  const hash = (await handle.query(identityQuery)).exceptionRequests.find(
    (r) => r.id === opened.id,
  )!.termsHash;
  return handle.executeUpdate(decideExceptionUpdate, {
    args: [
      exceptionDecision(
        { person: alice.id, secretKey: alice.secretKey },
        identityKey,
        opened.id!,
        hash,
        'approve',
        'ok',
      ),
    ],
  });
}

/** A signed decision on the remediation's request open right now, as `nhi approve|reject` sends it. */
export async function decideRemediation(
  handle: WorkflowHandle,
  who: TestPerson,
  decision: 'approve' | 'reject',
  reason: string,
) {
  const open = await handle.query(remediationQuery);
  return handle.executeUpdate(decideUpdate, {
    args: [
      sign(who, {
        workflowId: open.request!.workflowId,
        runId: open.request!.runId,
        planHash: open.planHash!,
        decision,
        reason,
      }),
    ],
  });
}

/** A signed rollback of a remediation's follow-up, as `nhi rollback --as WHO` sends it. */
export async function rollbackAs(client: Client, followUpId: string, who: TestPerson, reason: string) {
  const handle = client.workflow.getHandle(followUpId);
  const open = await handle.query(followUpQuery);
  return handle.executeUpdate(rollbackUpdate, {
    args: [
      sign(who, {
        workflowId: followUpId,
        runId: open.runId!,
        planHash: open.termsHash!,
        decision: 'rollback',
        reason,
      }),
    ],
  });
}

/** A signed pause or resume of a deployment's enforcement, as `nhi enforcement pause|resume --as WHO` sends it. */
export async function brakeAs(
  client: Client,
  taskQueue: string,
  who: TestPerson,
  act: 'pause' | 'resume',
  reason: string,
) {
  const workflowId = controlWorkflowId(taskQueue);
  const status =
    act === 'resume' ? await client.workflow.getHandle(workflowId).query(controlStatusQuery) : {};
  const signed = sign(who, {
    workflowId,
    runId: CONTROL_RUN,
    planHash: brakeTerms(act, status),
    decision: act,
    reason,
  });
  const startWorkflowOperation = new WithStartWorkflowOperation<(input: ControlInput) => Promise<void>>(
    CONTROL_WORKFLOW_TYPE,
    { workflowId, taskQueue, workflowIdConflictPolicy: 'USE_EXISTING', args: [{}] },
  );
  return client.workflow.executeUpdateWithStart(act === 'pause' ? pauseUpdate : resumeUpdate, {
    args: [signed],
    startWorkflowOperation,
  });
}
