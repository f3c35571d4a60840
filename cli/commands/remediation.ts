// `nhi remediation retry REMEDIATION_ID --as WHO --reason R`: re-propose one ended remediation (refused, rejected,
// expired, failed, …) with a signed reason. The signed `retry` goes to the identity workflow that proposed it,
// which checks it (the directory, decisions.retriers, never the owner, this remediation and round, the time),
// records it, assesses again and proposes the rule again when it fires; the answer names the new proposal.
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { remediationIdParts } from '../../risk/decide.ts';
import {
  identityQuery,
  identityWorkflowId,
  type RetryResult,
  retryRemediationUpdate,
} from '../../workflows/identity/definitions.ts';
import { retryRound } from '../../workflows/identity/retry-rules.ts';
import { remediationQuery } from '../../workflows/remediation/definitions.ts';
import { type Command, CommandError, UsageError } from '../command.ts';
import { remediationRetry } from '../decisions.ts';
import { exampleRemediationId } from '../help-examples.ts';
import { connectTemporal } from '../identity-source.ts';
import { loadSigner } from '../keys.ts';
import { parseSignedArgs } from '../signed-args.ts';

const usage = `usage: nhi remediation retry REMEDIATION_ID --as WHO --reason R [--key FILE] [--json]

Proposes an ended remediation again, now, with a signed reason: one that was refused (an account not
configured, a team action not registered), rejected, expired, failed or cancelled. The identity workflow that
proposed it checks the signature, records the retry (event remediation.retried), assesses the identity again
and, when the rule still fires, starts the next proposal (the same action, the next epoch), which then plans,
asks for approval and acts as its rule says. An executed remediation is not retried: roll it back first.

Refusals that depended on configuration are proposed again by themselves once the configuration changes (the
policy file, or the team actions registered): retry is for the other cases, or to act before new risk arrives.

  REMEDIATION_ID  the remediation workflow id, as nhi identity KEY lists it (the example below);
                  only the latest proposal of its action
  --as WHO        who retries: signed with WHO's key; WHO must be in a group of the policy's
                  decisions.retriers (default security), and never the identity's owner
  --reason R      why (signed and recorded)
  --key FILE      your key file (default: $NHI_KEYS_DIR/WHO.key, from nhi keys new)
  --json          the identity workflow's answer as one JSON object

Needs Temporal (NHI_TEMPORAL_ADDRESS) and a worker (nhi run).
Exit status: 0 when the retry was accepted (the answer says what was proposed, or why nothing is yet); 1 with
one line when refused or unreachable; 2 on bad arguments.

examples:
  nhi remediation retry ${exampleRemediationId('revoke-sessions')} --as alice@example.com --reason "account configured now"
next: nhi identity KEY follows the new proposal`;

function parseRemediationArgs(argv: string[]) {
  return parseSignedArgs(argv, ([verb, ...ids]) => {
    if (!verb) throw new UsageError('say retry (nhi remediation retry REMEDIATION_ID --as WHO --reason R)');
    if (verb !== 'retry') throw new UsageError(`unknown remediation command '${verb}' (retry)`);
    if (ids.length !== 1) throw new UsageError('give exactly one REMEDIATION_ID');
    const remediationId = ids[0]!;
    if (!remediationId.startsWith('remediate/') || !remediationIdParts(remediationId))
      throw new UsageError(
        `'${remediationId}' is not a remediation id (remediate/ACTION/KEY/EPOCH: nhi identity KEY lists them)`,
      );
    return { remediationId };
  });
}

export const remediationCommand: Command = {
  name: 'remediation',
  summary: 'retry an ended remediation (a signed re-proposal)',
  usage,
  parse: parseRemediationArgs,
  async run(argv, io) {
    const { values, remediationId, person, reason } = parseRemediationArgs(argv);
    const signer = loadSigner(person, values.key);

    const source = await connectTemporal();
    try {
      let result: RetryResult;
      let proposer: string;
      try {
        // The identity that proposed it (its input), not the one in the id: a key's workflow proposes for its user.
        const state = await source.client.workflow.getHandle(remediationId).query(remediationQuery);
        proposer = state.input.identity.key;
        const handle = source.client.workflow.getHandle(identityWorkflowId(proposer));
        const record = await handle.query(identityQuery);
        const round = retryRound(record.remediations.find((r) => r.workflowId === remediationId));
        const signed = remediationRetry(signer, proposer, remediationId, round, reason);
        result = await handle.executeUpdate(retryRemediationUpdate, { args: [signed] });
      } catch (error) {
        if (error instanceof WorkflowNotFoundError)
          throw new CommandError(`${remediationId}: no such remediation (nhi identity KEY lists them)`);
        if (error instanceof WorkflowUpdateFailedError)
          throw new CommandError(
            `${remediationId}: ${(error.cause as Error | undefined)?.message ?? error.message}`,
          );
        throw new CommandError(
          `${remediationId}: ${String((error as Error)?.message ?? error).split('\n')[0]}`,
        );
      }
      if (values.json) {
        io.out(JSON.stringify({ ...result, proposer, person }));
        return result.accepted ? 0 : 1;
      }
      if (!result.accepted) throw new CommandError(`${remediationId}: refused: ${result.refusal}`);
      io.out(
        result.proposed
          ? `retried ${remediationId} as ${person}: proposed again as ${result.proposed} (nhi identity ${proposer} follows it)`
          : `retried ${remediationId} as ${person}: nothing proposed yet (${result.waiting}); proposed the next time its rule fires`,
      );
      return 0;
    } finally {
      await source.close();
    }
  },
};
