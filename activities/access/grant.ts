// The AWS side of a just-in-time grant: sts:AssumeRole on the catalogued role in the identity's own account with an
// inline session policy of exactly the catalogued actions, the credentials sealed to the requester's key and left in
// a one-time Secrets Manager entry (in the worker's own account); a session-scoped Deny on the role to revoke it early; clean-up after expiry.
// What returns to the workflow (and so to history) is the grant's facts, never a credential.
import { DeleteRolePolicyCommand, GetRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
} from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { ApplicationFailure } from '@temporalio/activity';
import {
  type AccessGrant,
  handoffSecretName,
  revokePolicyName,
  sessionDenyOf,
  sessionNameOf,
} from '../../schemas/access.ts';
import { hashOf } from '../../schemas/signed-decision.ts';
import { type AccountClients, AccountNotConfiguredError } from '../aws/account-clients.ts';
import { sealCredentials } from './sealed-credentials.ts';

export interface IssueGrantInput {
  grantId: string;
  roleArn: string;
  /** Canonical JSON, exactly as sent to STS. */
  sessionPolicy: string;
  durationSeconds: number;
  /** X25519 public key (hex) of the requester. */
  recipientKey: string;
}

export interface RevokeGrantInput {
  grantId: string;
  roleArn: string;
  roleId: string;
  sessionName: string;
}

/** What was sent to STS, for tests: they assert the exact session policy and duration (moto does not enforce them). */
export type AssumeRoleSpy = (request: {
  RoleArn: string;
  RoleSessionName: string;
  Policy: string;
  DurationSeconds: number;
}) => void;

const accountOfArn = (arn: string) => arn.split(':')[4] ?? '';
const roleNameOfArn = (arn: string) => arn.split('/').at(-1) ?? '';

export function createGrantActivities(accounts: AccountClients, spy?: AssumeRoleSpy) {
  const clientsFor = async (arn: string) => {
    try {
      return await accounts.clientsForAccount(accountOfArn(arn));
    } catch (error) {
      if (error instanceof AccountNotConfiguredError)
        throw ApplicationFailure.nonRetryable(error.message, 'AccountNotConfigured');
      throw error;
    }
  };

  // The handoff entry lives in the worker's own account, where requesters read it (not in the identity's).
  const homeClients = async () => accounts.clientsForAccount(await accounts.homeAccount());

  return {
    async issueGrant(input: IssueGrantInput): Promise<AccessGrant> {
      const aws = await clientsFor(input.roleArn);
      const role = (await aws.iam.send(new GetRoleCommand({ RoleName: roleNameOfArn(input.roleArn) }))).Role;
      if (!role?.RoleId) throw ApplicationFailure.nonRetryable(`role ${input.roleArn} has no RoleId`);
      const request = {
        RoleArn: input.roleArn,
        RoleSessionName: sessionNameOf(input.grantId),
        Policy: input.sessionPolicy,
        DurationSeconds: input.durationSeconds,
      };
      spy?.(request);
      const out = await aws.sts.send(new AssumeRoleCommand(request));
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !out.AssumedRoleUser?.Arn)
        throw new Error(`sts:AssumeRole ${input.roleArn}: no credentials`);
      const issuedAt = new Date();
      // The session ends by itself: STS's expiry, or ours when STS says nothing.
      const expiresAt = c.Expiration ?? new Date(issuedAt.getTime() + input.durationSeconds * 1000);
      const sealed = sealCredentials(
        {
          accessKeyId: c.AccessKeyId,
          secretAccessKey: c.SecretAccessKey,
          sessionToken: c.SessionToken,
          expiration: expiresAt.toISOString(),
        },
        input.recipientKey,
        input.grantId,
      );
      const name = handoffSecretName(input.grantId);
      const text = JSON.stringify(sealed);
      const home = await homeClients();
      try {
        await home.secretsManager.send(
          new CreateSecretCommand({
            Name: name,
            SecretString: text,
            Description: `nhi-enforce: sealed credentials of grant ${input.grantId}; read once, then deleted`,
          }),
        );
      } catch (error) {
        // A retried activity: the entry is there already; this session's sealed credentials replace it.
        if (!(error instanceof ResourceExistsException)) throw error;
        await home.secretsManager.send(new PutSecretValueCommand({ SecretId: name, SecretString: text }));
      }
      return {
        grantId: input.grantId,
        roleArn: input.roleArn,
        roleId: role.RoleId,
        sessionName: request.RoleSessionName,
        assumedRoleArn: out.AssumedRoleUser.Arn,
        issuedAt: issuedAt.toISOString(),
        expiresAt: expiresAt.toISOString(),
        durationSeconds: input.durationSeconds,
        policyHash: hashOf(JSON.parse(input.sessionPolicy)),
        sessionPolicy: input.sessionPolicy,
        handoffEntry: name,
      };
    },

    /** A Deny of everything to this one session (aws:userid ROLEID:session), as an inline policy on the role. */
    async revokeGrant(input: RevokeGrantInput): Promise<{ policyName: string; document: string }> {
      const aws = await clientsFor(input.roleArn);
      const policyName = revokePolicyName(input.grantId);
      const document = JSON.stringify(sessionDenyOf(input.roleId, input.sessionName));
      await aws.iam.send(
        new PutRolePolicyCommand({
          RoleName: roleNameOfArn(input.roleArn),
          PolicyName: policyName,
          PolicyDocument: document,
        }),
      );
      return { policyName, document };
    },

    /** After the session expired, its Deny protects nothing: removed, so the role's policy size stays bounded. */
    async removeRevocation(input: { roleArn: string; grantId: string }): Promise<void> {
      const aws = await clientsFor(input.roleArn);
      try {
        await aws.iam.send(
          new DeleteRolePolicyCommand({
            RoleName: roleNameOfArn(input.roleArn),
            PolicyName: revokePolicyName(input.grantId),
          }),
        );
      } catch (error) {
        if (!(error as { name?: string }).name?.startsWith('NoSuchEntity')) throw error;
      }
    },

    /** The handoff entry, if the requester never read it: deleted once the grant has ended. True when it was there. */
    async discardHandoff(input: { entry: string }): Promise<boolean> {
      const home = await homeClients();
      try {
        await home.secretsManager.send(
          new DeleteSecretCommand({ SecretId: input.entry, ForceDeleteWithoutRecovery: true }),
        );
        return true;
      } catch (error) {
        if (error instanceof ResourceNotFoundException) return false;
        throw error;
      }
    },
  };
}
