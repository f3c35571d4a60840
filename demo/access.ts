// The demo's just-in-time step: the scoped-down CI user gets one action (iam:ListUsers) back for 15 minutes.
// A catalogue entry in the demo's policy, a role in the user's account that the worker may assume, a signed
// request and a signed approval (the requester's own refused), the credentials sealed to the request's key, used,
// then revoked and refused.
import { CreateRoleCommand, ListUsersCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { Client } from '@temporalio/client';
import { stringify } from 'yaml';
import { type AwsClients, awsClientsFor } from '../activities/aws/clients.ts';
import { awaitGrant, collectCredentials, requestAccess } from '../cli/access-client.ts';
import { remediationDecision } from '../cli/decisions.ts';
import { accessWorkflowId, sessionPolicyText } from '../schemas/access.ts';
import { signDecision } from '../schemas/signed-decision.ts';
import { revokeAccessUpdate } from '../workflows/access/definitions.ts';
import { decideUpdate } from '../workflows/remediation/definitions.ts';
import type { DemoPerson } from './people.ts';

export const DEMO_ACTION = 'read-iam-users';

/** The catalogue entry, as YAML appended to the default policy (its last section is a comment). */
export function demoCatalogueYaml(prefix: string): string {
  return stringify({
    protectedActions: [
      {
        name: DEMO_ACTION,
        description: 'list IAM users (an audit script), 15 minutes, one approval from security',
        actions: ['iam:ListUsers'],
        resources: ['*'],
        risk: 'medium',
        role: `${prefix}-jit-read`,
        maxDuration: '15m',
        requesters: { groups: ['team-payments'] },
        riskCeiling: 90,
        approval: { groups: { security: 1 }, timeout: '1h', onTimeout: 'cancel' },
      },
    ],
  });
}

/** The role grants act as: trusted by the worker's own principal only; the session policy narrows it. */
export async function seedAccessRole(aws: AwsClients, prefix: string): Promise<string> {
  const worker = (await aws.sts.send(new GetCallerIdentityCommand({}))).Arn!;
  const role = (
    await aws.iam.send(
      new CreateRoleCommand({
        RoleName: `${prefix}-jit-read`,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: worker }, Action: 'sts:AssumeRole' }],
        }),
      }),
    )
  ).Role!;
  await aws.iam.send(
    new PutRolePolicyCommand({
      RoleName: role.RoleName,
      PolicyName: 'envelope',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }],
      }),
    }),
  );
  return role.Arn!;
}

const outcome = async (fn: () => Promise<unknown>) => {
  try {
    await fn();
    return 'allowed';
  } catch (error) {
    return `denied (${(error as Error).name})`;
  }
};

export async function demoJustInTime(
  temporal: Client,
  aws: AwsClients,
  userArn: string,
  people: { alice: DemoPerson; paul: DemoPerson },
  say: (line: string) => void,
): Promise<{ workflowId: string; secret: string }> {
  const paul = { person: people.paul.id, secretKey: people.paul.secretKey };
  const alice = { person: people.alice.id, secretKey: people.alice.secretKey };
  const { grantId, recipient, workflowId } = await requestAccess(temporal, {
    terms: {
      action: DEMO_ACTION,
      identityKey: userArn,
      duration: '15m',
      requester: paul.person,
      reason: 'quarterly access review script',
      ticket: 'CHG-2041',
    },
    signer: paul,
  });
  const waiting = await awaitGrant(temporal, grantId, { deadline: Date.now() + 90_000, untilAwaiting: true });
  if (waiting.status !== 'awaiting-approval')
    throw new Error(`access request ${waiting.status}: ${waiting.refusal}`);
  const c = waiting.checks!;
  say(
    `8. just in time: ${paul.person} asks for '${DEMO_ACTION}' for the scoped-down user, 15m → ${workflowId}`,
  );
  say(
    `   checked now: risk ${c.riskScore} below ceiling ${c.riskCeiling}, open compromise findings ${c.compromise.length}, paused ${c.paused ? 'yes' : 'no'}; needs 1 of security`,
  );
  const handle = temporal.workflow.getHandle(workflowId);
  const self = await handle.executeUpdate(decideUpdate, {
    args: [remediationDecision(paul, waiting.request!, 'approve', 'mine')],
  });
  say(`   ${paul.person} approves his own request → refused: ${self.refusal}`);
  const ok = await handle.executeUpdate(decideUpdate, {
    args: [remediationDecision(alice, waiting.request!, 'approve', 'read-only, 15 minutes')],
  });
  if (!ok.accepted) throw new Error(`approval refused: ${ok.refusal}`);
  const state = await awaitGrant(temporal, grantId, { deadline: Date.now() + 90_000 });
  if (state.status !== 'active' || !state.grant)
    throw new Error(`grant ${state.status}: ${state.refusal ?? state.error}`);
  const grant = state.grant;
  if (grant.sessionPolicy !== sessionPolicyText({ actions: ['iam:ListUsers'], resources: ['*'] }))
    throw new Error(`session policy is not the catalogued one: ${grant.sessionPolicy}`);
  say(`   ${alice.person} signs an approval → granted: sts:AssumeRole ${grant.roleArn}`);
  say(
    `     session ${grant.sessionName}, ${grant.durationSeconds}s (until ${grant.expiresAt}), session policy ${grant.sessionPolicy}`,
  );
  const creds = await collectCredentials(aws.secretsManager, state, recipient.privateKey);
  say(`   credentials: sealed to the request's X25519 key in ${grant.handoffEntry}, read once and deleted`);
  const session = awsClientsFor({
    accessKeyId: creds.accessKeyId,
    secretAccessKey: creds.secretAccessKey,
    sessionToken: creds.sessionToken,
  });
  const before = await outcome(() => session.iam.send(new ListUsersCommand({})));
  const revoke = signDecision(
    {
      workflowId: accessWorkflowId(grantId),
      runId: grantId,
      planHash: grant.policyHash,
      decision: 'revoke',
      person: alice.person,
      reason: 'script finished',
      time: new Date().toISOString(),
    },
    alice.secretKey,
  );
  const revoked = await handle.executeUpdate(revokeAccessUpdate, { args: [revoke] });
  const after = await outcome(() => session.iam.send(new ListUsersCommand({})));
  say(
    `   iam:ListUsers with them: ${before}; after nhi revoke (${revoked.status}: a Deny for that session only) ${after}`,
  );
  if (before !== 'allowed' || !after.startsWith('denied'))
    throw new Error('the grant did not work, or the revocation did not refuse it');
  return { workflowId, secret: creds.secretAccessKey };
}
