// `nhi request ACTION --for KEY --duration 15m --as WHO --reason R [--ticket T]`: just-in-time access to one
// catalogued action. Makes a fresh X25519 key pair, starts the access-request workflow with the public half (signed
// by WHO when WHO is a person), waits for the decision, then reads the sealed credentials from their one-time entry
// (deleting it), opens them with the private half, and prints them (env lines or JSON). The private key and the
// credentials never leave this process except on stdout.

import { awsClients } from '../../activities/aws/clients.ts';
import { durationMs } from '../../schemas/duration.ts';
import { identityKeyProblem } from '../../schemas/identity-keys.ts';
import { awaitGrant, collectCredentials, requestAccess } from '../access-client.ts';
import { type Command, CommandError, parseCommandArgs, UsageError } from '../command.ts';
import { EXAMPLE_IDENTITY } from '../help-examples.ts';
import { connectTemporal } from '../identity-source.ts';
import { loadSigner, personArg } from '../keys.ts';

const usage = `usage: nhi request ACTION --for KEY --duration D --as WHO --reason R [--ticket T] [--key FILE]
                   [--output env|json] [--wait D] [--task-queue Q]

Asks for one protected action of the policy's catalogue (protectedActions) for identity KEY, for D (15m, 1h; no
longer than the action's maxDuration). Checked at once: WHO may ask (a person in one of the action's requester
groups, signing with their key; or the identity KEY itself, asking for itself), KEY's current risk is below the
action's ceiling, KEY has no open compromise finding, enforcement is not paused. Where the catalogue asks for
approval, the request waits for signed approvals (nhi pending, nhi approve access/GRANT_ID; never the requester).
Then STS issues credentials for the catalogued role in KEY's account, with a session policy of exactly the
action's IAM actions; they arrive encrypted to a key made for this request, through a one-time Secrets Manager
entry this command reads and deletes.

  --for KEY        the identity the access is for (an IAM ARN)
  --duration D     how long the credentials live (15m minimum: STS)
  --as WHO         you (email, as in the directory), or KEY itself for an identity asking for itself
  --reason R       why (recorded and published)
  --ticket T       a change or incident ticket (recorded)
  --key FILE       your signing key (default: $NHI_KEYS_DIR/WHO.key)
  --output F       env: export AWS_ACCESS_KEY_ID=… lines (default); json: one JSON object
  --wait D         how long to wait for approval (default 1h)
  --task-queue Q   the deployment's task queue (default NHI_TASK_QUEUE, else nhi-enforce)

Progress goes to stderr; only the credentials go to stdout.
Exit status: 0 granted; 1 with one line when refused, rejected, timed out or unreachable; 2 on bad arguments.

examples:
  nhi request deploy-prod --for ${EXAMPLE_IDENTITY} --duration 15m --as alice@example.com --reason "hotfix"
next: eval the printed export lines in your shell; nhi revoke GRANT_ID ends the access early`;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function parseRequestArgs(argv: string[]) {
  const { values, positionals } = parseCommandArgs(argv, {
    for: { type: 'string' },
    duration: { type: 'string' },
    as: { type: 'string' },
    reason: { type: 'string' },
    ticket: { type: 'string' },
    key: { type: 'string' },
    output: { type: 'string' },
    wait: { type: 'string' },
    'task-queue': { type: 'string' },
  });
  if (positionals.length !== 1)
    throw new UsageError('give exactly one ACTION (a protected action of the policy)');
  const action = positionals[0]!;
  const identityKey = values.for?.trim();
  if (!identityKey) throw new UsageError('--for KEY is required (the identity the access is for)');
  const keyProblem = identityKeyProblem(identityKey);
  if (keyProblem) throw new UsageError(`--for: ${keyProblem}`);
  const duration = values.duration?.trim();
  if (!duration || durationMs(duration) === undefined)
    throw new UsageError('--duration D is required, e.g. 15m or 1h');
  const reason = values.reason?.trim();
  if (!reason) throw new UsageError('--reason R is required');
  const output = values.output ?? 'env';
  if (output !== 'env' && output !== 'json')
    throw new UsageError(`--output must be env or json (got ${output})`);
  const waitMs = durationMs(values.wait ?? '1h');
  if (waitMs === undefined)
    throw new UsageError(`--wait must be a duration such as 30m (got ${values.wait})`);
  const as = values.as?.trim() ?? '';
  const isPerson = EMAIL.test(as);
  if (!as) throw new UsageError('--as WHO is required (your email, or KEY itself for an identity)');
  const requester = isPerson ? personArg(as) : as;
  return { values, action, identityKey, duration, reason, output, waitMs, isPerson, requester };
}

export const requestCommand: Command = {
  name: 'request',
  summary: 'just-in-time credentials for one catalogued action (checked, approved, short-lived)',
  usage,
  parse: parseRequestArgs,
  async run(argv, io) {
    const { values, action, identityKey, duration, reason, output, waitMs, isPerson, requester } =
      parseRequestArgs(argv);
    const signer = isPerson ? loadSigner(requester, values.key) : undefined;

    const source = await connectTemporal();
    try {
      const { grantId, recipient, workflowId } = await requestAccess(source.client, {
        terms: {
          action,
          identityKey,
          duration,
          requester,
          reason,
          ...(values.ticket ? { ticket: values.ticket } : {}),
        },
        ...(signer ? { signer } : {}),
        ...(values['task-queue'] ? { taskQueue: values['task-queue'] } : {}),
      });
      io.err(`requested ${grantId} (${workflowId}): ${action} for ${identityKey}, ${duration}`);
      const state = await awaitGrant(source.client, grantId, {
        deadline: Date.now() + waitMs,
        onWaiting: (s) =>
          io.err(
            `waiting for approval (${Object.entries(s.plan?.action.approval?.groups ?? {})
              .map(([g, n]) => `${n} of ${g}`)
              .join(' AND ')}): nhi approve ${workflowId} --as … --reason …`,
          ),
      });
      if (state.status === 'refused') throw new CommandError(`refused: ${state.refusal}`);
      if (state.status === 'rejected')
        throw new CommandError(`rejected by ${state.rejections.map((r) => r.by).join(', ')}`);
      if (state.status === 'timed-out') throw new CommandError('nobody approved in time: nothing was issued');
      if (state.status === 'awaiting-approval')
        throw new CommandError(
          `still awaiting approval after --wait ${values.wait ?? '1h'}: ${workflowId} stays open`,
        );
      if (state.status !== 'active' || !state.grant)
        throw new CommandError(`grant ${grantId} is ${state.status}${state.error ? `: ${state.error}` : ''}`);
      const creds = await collectCredentials(awsClients().secretsManager, state, recipient.privateKey);
      io.err(
        `granted ${grantId}: session ${state.grant.sessionName} until ${state.grant.expiresAt} (policy ${state.grant.policyHash.slice(0, 12)})`,
      );
      if (output === 'json')
        io.out(
          JSON.stringify({
            grantId,
            expiresAt: state.grant.expiresAt,
            sessionName: state.grant.sessionName,
            credentials: creds,
          }),
        );
      else
        for (const line of [
          `export AWS_ACCESS_KEY_ID=${creds.accessKeyId}`,
          `export AWS_SECRET_ACCESS_KEY=${creds.secretAccessKey}`,
          `export AWS_SESSION_TOKEN=${creds.sessionToken}`,
          `export NHI_GRANT_ID=${grantId}`,
        ])
          io.out(line);
      return 0;
    } catch (error) {
      if (error instanceof CommandError) throw error;
      throw new CommandError(`request failed: ${String((error as Error)?.message ?? error).split('\n')[0]}`);
    } finally {
      await source.close();
    }
  },
};
