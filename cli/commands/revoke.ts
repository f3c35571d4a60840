// `nhi revoke GRANT_ID --as WHO --reason R`: ends a just-in-time grant before it expires. Signed by WHO (its
// requester, or a member of the groups that approve the action); the workflow puts a Deny for exactly that session
// on the role (aws:userid ROLEID:session-name) and answers once it is in place.
import { accessWorkflowId, GRANT_ID } from '../../schemas/access.ts';
import { signDecision } from '../../schemas/signed-decision.ts';
import { accessQuery, revokeAccessUpdate } from '../../workflows/access/definitions.ts';
import { type Command, CommandError, UsageError } from '../command.ts';
import { connectTemporal } from '../identity-source.ts';
import { loadSigner } from '../keys.ts';
import { parseSignedArgs } from '../signed-args.ts';

const usage = `usage: nhi revoke GRANT_ID --as WHO --reason R [--key FILE] [--json]

Revokes a live just-in-time grant (jit-…, as nhi request printed it; access/jit-… works too): a Deny scoped to
that one session is put on the role, so other grants of the same role keep working (AWS's revoke-all-sessions
would end them too). Signed with WHO's key; WHO is the grant's requester or a member of a group that approves
the action (security when the action needs no approval).

  --as WHO      you, as in the directory
  --reason R    why (recorded and published)
  --key FILE    your key file (default: $NHI_KEYS_DIR/WHO.key)
  --json        the workflow's answer as one JSON object

Exit status: 0 revoked; 1 with one line when refused or unreachable; 2 on bad arguments.

examples:
  nhi revoke jit-0123456789ab --as alice@example.com --reason "done early"
next: nhi pending and nhi identity KEY show the grant ended`;

function parseRevokeArgs(argv: string[]) {
  return parseSignedArgs(argv, (positionals) => {
    if (positionals.length !== 1) throw new UsageError('give exactly one GRANT_ID');
    const grantId = positionals[0]!.replace(/^access\//, '');
    if (!GRANT_ID.test(grantId))
      throw new UsageError(`'${positionals[0]}' is not a grant id (jit- and 12 hex digits)`);
    return { grantId };
  });
}

export const revokeCommand: Command = {
  name: 'revoke',
  summary: 'revoke a just-in-time grant now (a Deny for that session only)',
  usage,
  parse: parseRevokeArgs,
  async run(argv, io) {
    const { values, grantId, person, reason } = parseRevokeArgs(argv);
    const signer = loadSigner(person, values.key);
    const source = await connectTemporal();
    try {
      const handle = source.client.workflow.getHandle(accessWorkflowId(grantId));
      const state = await handle.query(accessQuery).catch((error: Error) => {
        throw new CommandError(
          /not found/i.test(error.message)
            ? `no grant ${grantId}`
            : `reading ${grantId} failed: ${error.message.split('\n')[0]}`,
        );
      });
      if (!state.grant) throw new CommandError(`${grantId} issued nothing (status ${state.status})`);
      const signed = signDecision(
        {
          workflowId: accessWorkflowId(grantId),
          runId: grantId,
          planHash: state.grant.policyHash,
          decision: 'revoke',
          person,
          reason,
          time: new Date().toISOString(),
        },
        signer.secretKey,
      );
      const result = await handle.executeUpdate(revokeAccessUpdate, { args: [signed] });
      if (values.json) io.out(JSON.stringify({ grantId, person, result }));
      if (!result.accepted) {
        if (values.json) return 1;
        throw new CommandError(`refused: ${result.refusal ?? `grant is ${result.status}`}`);
      }
      if (!values.json)
        io.out(
          `revoked ${grantId} as ${person}: session ${state.grant.sessionName} denied on ${state.grant.roleArn}`,
        );
      return 0;
    } catch (error) {
      if (error instanceof CommandError) throw error;
      throw new CommandError(
        `revoking ${grantId} failed: ${String((error as Error)?.message ?? error).split('\n')[0]}`,
      );
    } finally {
      await source.close();
    }
  },
};
