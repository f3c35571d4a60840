// Just-in-time access from a Temporal client: what `nhi request` does, for pipelines, services and AI agents too.
// The requester makes an X25519 key pair, starts the access-request workflow with the public half, waits for the
// grant, then reads the sealed credentials from the one-time Secrets Manager entry, deletes it, and opens them.
//
//   const { grantId, recipient } = await requestAccess(client, {
//     terms: { action: 'deploy-prod', identityKey, duration: '15m', requester: identityKey, reason: 'release 42' },
//   });                                   // a person passes `signer` (their Ed25519 key) and requester = their email
//   const state = await awaitGrant(client, grantId);          // active, refused (state.refusal), rejected, …
//   const creds = await collectCredentials(secretsManager, state, recipient.privateKey);
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DeleteSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { Client } from '@temporalio/client';
import { newRecipientKey, openCredentials } from '../activities/access/sealed-credentials.ts';
import {
  type AccessTerms,
  accessTermsHash,
  accessWorkflowId,
  type IssuedCredentials,
} from '../schemas/access.ts';
import { signDecision } from '../schemas/signed-decision.ts';
import {
  ACCESS_WORKFLOW_TYPE,
  type AccessRequestInput,
  type AccessState,
  accessQuery,
} from '../workflows/access/definitions.ts';
import { TASK_QUEUE } from '../workflows/identity/definitions.ts';
import { NEW_REQUEST } from '../workflows/identity/exception-rules.ts';
import type { Signer } from './decisions.ts';

/** Statuses after which the request waits for nobody: granted, or ended without a grant. */
const SETTLED: ReadonlySet<AccessState['status']> = new Set([
  'refused',
  'rejected',
  'timed-out',
  'active',
  'expired',
  'revoked',
  'failed',
]);

export function newGrantId(): string {
  const bytes = new Uint8Array(6);
  crypto.getRandomValues(bytes);
  return `jit-${Buffer.from(bytes).toString('hex')}`;
}

export interface AccessAsk {
  terms: Omit<AccessTerms, 'recipientKey'>;
  /** A person signs the request; an identity asking for itself does not. */
  signer?: Signer;
  taskQueue?: string;
  grantId?: string;
  /** Default: a fresh key pair, whose private half is returned to the caller only. */
  recipient?: { publicKey: string; privateKey: string };
}

/** The signed request input, as `nhi request` sends it (tests build theirs with it too). */
export function accessRequestInput(
  grantId: string,
  terms: AccessTerms,
  signer?: Signer,
  time = new Date().toISOString(),
): AccessRequestInput {
  return {
    grantId,
    terms,
    ...(signer
      ? {
          signed: signDecision(
            {
              workflowId: accessWorkflowId(grantId),
              runId: NEW_REQUEST,
              planHash: accessTermsHash(terms),
              decision: 'request',
              person: signer.person,
              reason: terms.reason,
              time,
            },
            signer.secretKey,
          ),
        }
      : {}),
  };
}

export async function requestAccess(client: Client, ask: AccessAsk) {
  const grantId = ask.grantId ?? newGrantId();
  const recipient = ask.recipient ?? newRecipientKey();
  const terms: AccessTerms = { ...ask.terms, recipientKey: recipient.publicKey };
  await client.workflow.start(ACCESS_WORKFLOW_TYPE, {
    workflowId: accessWorkflowId(grantId),
    taskQueue: ask.taskQueue ?? (process.env.NHI_TASK_QUEUE || TASK_QUEUE),
    args: [accessRequestInput(grantId, terms, ask.signer)],
  });
  return { grantId, recipient, workflowId: accessWorkflowId(grantId) };
}

/** The request's state once it is granted or ended (polls the query), or the latest state at the deadline. */
export async function awaitGrant(
  client: Client,
  grantId: string,
  opts: {
    deadline?: number;
    onWaiting?: (state: AccessState) => void;
    /** Return as soon as it waits for approval (whoever approves is someone else). */
    untilAwaiting?: boolean;
  } = {},
): Promise<AccessState> {
  const handle = client.workflow.getHandle(accessWorkflowId(grantId));
  let told = false;
  for (;;) {
    const state = await handle.query(accessQuery);
    if (SETTLED.has(state.status)) return state;
    if (state.status === 'awaiting-approval' && opts.untilAwaiting) return state;
    if (state.status === 'awaiting-approval' && !told) {
      told = true;
      opts.onWaiting?.(state);
    }
    if (opts.deadline !== undefined && Date.now() > opts.deadline) return state;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Reads the sealed credentials once, deletes the entry, and opens them with the requester's private key. */
export async function collectCredentials(
  secretsManager: SecretsManagerClient,
  state: Pick<AccessState, 'grant' | 'grantId'>,
  privateKey: string,
): Promise<IssuedCredentials> {
  if (!state.grant) throw new Error(`grant ${state.grantId} issued nothing`);
  const entry = state.grant.handoffEntry;
  const out = await secretsManager.send(new GetSecretValueCommand({ SecretId: entry }));
  await secretsManager.send(new DeleteSecretCommand({ SecretId: entry, ForceDeleteWithoutRecovery: true }));
  return openCredentials(JSON.parse(out.SecretString ?? 'null'), privateKey, state.grantId);
}
