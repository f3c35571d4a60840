// `nhi rollback REMEDIATION_ID --as WHO --reason R [--json]`: undo an executed remediation while its rollback
// window is open. The remediation's follow-up workflow restores the recorded pre-state, verifies it, records it in
// its history and publishes remediation.rolled-back; this command waits for that and prints the result.
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import {
  type FollowUpState,
  followUpQuery,
  followUpWorkflowId,
  rollbackUpdate,
} from '../../workflows/remediation/definitions.ts';
import { type Command, CommandError, UsageError } from '../command.ts';
import { signedAct } from '../decisions.ts';
import { followUpClosedLine } from '../follow-up-closed.ts';
import { exampleRemediationId } from '../help-examples.ts';
import { connectTemporal } from '../identity-source.ts';
import { loadSigner } from '../keys.ts';
import { parseSignedArgs } from '../signed-args.ts';

const usage = `usage: nhi rollback REMEDIATION_ID --as WHO --reason R [--key FILE] [--json]

Undoes an executed remediation: the access key Active again (deactivate-key; rotate-secret keeps the new key
too), the inline policy removed or its previous version restored (quarantine, revoke-sessions, scope-down). The
rollback is verified against AWS, recorded in the history of the remediation's follow-up workflow
(REMEDIATION_ID/follow-up) and published as remediation.rolled-back. It stops the re-checks.

Possible while the rollback window is open (policy remediation.rollbackWindowHours, default 168). A plan says
when its action cannot be rolled back (rotating a Secrets Manager secret: the leaked value would come back).

  REMEDIATION_ID  the remediation workflow id, as nhi identity KEY lists it (the example below)
  --as WHO        who rolls it back: signed with WHO's key; WHO must be in a group the policy names for rolling
                  this rule back (rules[].rollback.groups; else its approval groups; security for automatic
                  rules), and never the identity's owner
  --reason R      why (signed and recorded)
  --key FILE      your key file (default: $NHI_KEYS_DIR/WHO.key, from nhi keys new)
  --json          the follow-up workflow's final state as one JSON object

Needs Temporal (NHI_TEMPORAL_ADDRESS) and a worker (nhi run).
Exit status: 0 when rolled back and verified; 1 with one line when refused, not verified or unreachable, or
when there is nothing to roll back (already rolled back: by whom and when; the window closed).

examples:
  nhi rollback ${exampleRemediationId('deactivate-key')} --as alice@example.com --reason "key still needed"
next: nhi identity KEY shows the remediation rolled back`;

function parseRollbackArgs(argv: string[]) {
  return parseSignedArgs(argv, (positionals) => {
    if (positionals.length !== 1) throw new UsageError('give exactly one REMEDIATION_ID');
    return { remediationId: positionals[0]! };
  });
}

export const rollbackCommand: Command = {
  name: 'rollback',
  summary: 'undo an executed remediation (restore and verify the pre-state)',
  usage,
  parse: parseRollbackArgs,
  async run(argv, io) {
    const { values, person, reason, remediationId } = parseRollbackArgs(argv);
    const signer = loadSigner(person, values.key);
    const source = await connectTemporal();
    try {
      let state: FollowUpState;
      try {
        const handle = source.client.workflow.getHandle(followUpWorkflowId(remediationId));
        const open = await handle.query(followUpQuery);
        // Ended (rolled back already, failed, window closed): say which, rather than "no open follow-up".
        const closed = followUpClosedLine(remediationId, open);
        if (closed) throw new CommandError(closed);
        if (!open.runId || !open.termsHash)
          throw new CommandError(
            `${remediationId}: its follow-up predates signed rollbacks; it cannot be rolled back`,
          );
        const signed = signedAct(
          signer,
          { workflowId: followUpWorkflowId(remediationId), runId: open.runId, termsHash: open.termsHash },
          'rollback',
          reason,
        );
        state = await handle.executeUpdate(rollbackUpdate, { args: [signed] });
      } catch (error) {
        if (error instanceof CommandError) throw error;
        if (error instanceof WorkflowNotFoundError)
          throw new CommandError(
            `${remediationId}: no open follow-up (never executed, or its rollback window has closed)`,
          );
        if (error instanceof WorkflowUpdateFailedError)
          throw new CommandError(
            `${remediationId}: ${(error.cause as Error | undefined)?.message ?? error.message}`,
          );
        throw new CommandError(`${remediationId}: ${(error as Error).message}`);
      }
      if (values.json) io.out(JSON.stringify(state));
      else
        io.out(
          `${remediationId}: ${state.status}${state.rollback?.verification ? ` — ${state.rollback.verification.detail}` : ''}`,
        );
      return state.status === 'rolled-back' ? 0 : 1;
    } finally {
      await source.close();
    }
  },
};
