// AWS clients acting in one account: the worker's own (sts:GetCallerIdentity), or another one through the role the
// policy configures for it (`accounts:` — role ARN, optional external id). Any other account is refused: an
// action never runs with credentials of an account the identity does not live in.
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { AccountAccess } from '../../schemas/policy.ts';
import { type AwsClients, type AwsCredentials, awsClientsFor } from './clients.ts';

/** The identity's account is neither the worker's own nor configured: nothing may be done there. */
export class AccountNotConfiguredError extends Error {
  override readonly name = 'AccountNotConfigured';
  constructor(
    readonly account: string,
    readonly home: string,
  ) {
    super(
      `account ${account} is not configured: this worker acts only in its own account ${home} and in the accounts listed under \`accounts:\` in the policy`,
    );
  }
}

export interface AccountClients {
  /** Clients acting in `accountId`; AccountNotConfiguredError when the worker may not act there. */
  clientsForAccount(accountId: string): Promise<AwsClients>;
  /** The worker's own account (sts:GetCallerIdentity, read once). */
  homeAccount(): Promise<string>;
}

/** Assumed-role credentials are reused until this long before they expire. */
const RENEW_BEFORE_MS = 5 * 60_000;

export function createAccountClients(
  base: AwsClients,
  accounts: () => Readonly<Record<string, AccountAccess>>,
  build: (credentials: AwsCredentials) => AwsClients = awsClientsFor,
): AccountClients {
  let home: Promise<string> | undefined;
  const assumed = new Map<string, { clients: Promise<AwsClients>; expires: number }>();

  const homeAccount = () => {
    home ??= base.sts.send(new GetCallerIdentityCommand({})).then((out) => {
      if (!out.Account) throw new Error('sts:GetCallerIdentity returned no account');
      return out.Account;
    });
    home.catch(() => {
      home = undefined;
    });
    return home;
  };

  const assume = (account: string, access: AccountAccess) => {
    const cacheKey = `${account}|${access.roleArn}|${access.externalId ?? ''}`;
    const cached = assumed.get(cacheKey);
    if (cached && Date.now() < cached.expires) return cached.clients;
    const entry = { expires: Number.POSITIVE_INFINITY, clients: Promise.resolve(base) };
    entry.clients = base.sts
      .send(
        new AssumeRoleCommand({
          RoleArn: access.roleArn,
          RoleSessionName: 'nhi-enforce',
          ...(access.externalId ? { ExternalId: access.externalId } : {}),
        }),
      )
      .then((out) => {
        const c = out.Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey)
          throw new Error(`sts:AssumeRole ${access.roleArn}: no credentials`);
        entry.expires = (c.Expiration?.getTime() ?? Date.now() + 15 * 60_000) - RENEW_BEFORE_MS;
        return build({
          accessKeyId: c.AccessKeyId,
          secretAccessKey: c.SecretAccessKey,
          sessionToken: c.SessionToken,
        });
      });
    entry.clients.catch(() => assumed.delete(cacheKey));
    assumed.set(cacheKey, entry);
    return entry.clients;
  };

  return {
    homeAccount,
    async clientsForAccount(accountId) {
      const own = await homeAccount();
      if (accountId === own) return base;
      const access = accounts()[accountId];
      if (!access) throw new AccountNotConfiguredError(accountId, own);
      return assume(accountId, access);
    },
  };
}
