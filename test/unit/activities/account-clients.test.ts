// Which credentials act in which account: the worker's own clients at home, the configured role elsewhere (with
// its external id, reused until near expiry), and a refusal for any other account. STS is a stand-in here: the
// test is about the choice; test/integration/identity-targets.test.ts runs it against the emulator.
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { AccountNotConfiguredError, createAccountClients } from '../../../activities/aws/account-clients.ts';
import type { AwsClients, AwsCredentials } from '../../../activities/aws/clients.ts';

function fakeBase(expiresInMs: number) {
  const sent: unknown[] = [];
  const sts = {
    send: async (command: unknown) => {
      sent.push(command);
      if (command instanceof GetCallerIdentityCommand) return { Account: '111111111111' };
      if (command instanceof AssumeRoleCommand)
        return {
          Credentials: {
            AccessKeyId: `ASIA${sent.length}`,
            SecretAccessKey: 's',
            SessionToken: 't',
            Expiration: new Date(Date.now() + expiresInMs),
          },
        };
      throw new Error('unexpected');
    },
  };
  return { base: { sts } as unknown as AwsClients, sent };
}

const built: AwsCredentials[] = [];
const build = (c: AwsCredentials) => {
  built.push(c);
  return { tag: c.accessKeyId } as unknown as AwsClients;
};
const role = 'arn:aws:iam::222222222222:role/nhi-enforce';

describe('clientsForAccount', () => {
  it('home: the base clients; configured: the assumed role with its external id, reused; else refused', async () => {
    const { base, sent } = fakeBase(60 * 60_000);
    const accounts = createAccountClients(
      base,
      () => ({ '222222222222': { roleArn: role, externalId: 'ext-1' } }),
      build,
    );
    expect(await accounts.clientsForAccount('111111111111')).toBe(base);
    const other = await accounts.clientsForAccount('222222222222');
    expect(await accounts.clientsForAccount('222222222222')).toBe(other);
    const assumed = sent.filter((c): c is AssumeRoleCommand => c instanceof AssumeRoleCommand);
    expect(assumed.map((c) => c.input)).toEqual([
      { RoleArn: role, RoleSessionName: 'nhi-enforce', ExternalId: 'ext-1' },
    ]);
    expect(built.at(-1)).toMatchObject({ sessionToken: 't' });
    await expect(accounts.clientsForAccount('333333333333')).rejects.toThrow(AccountNotConfiguredError);
    await expect(accounts.clientsForAccount('333333333333')).rejects.toThrow(
      /account 333333333333 is not configured: this worker acts only in its own account 111111111111/,
    );
    expect(sent.filter((c) => c instanceof GetCallerIdentityCommand)).toHaveLength(1);
  });

  it('assumes the role again when its credentials are about to expire', async () => {
    const { base, sent } = fakeBase(60_000); // inside the renewal margin
    const accounts = createAccountClients(base, () => ({ '222222222222': { roleArn: role } }), build);
    await accounts.clientsForAccount('222222222222');
    await accounts.clientsForAccount('222222222222');
    expect(sent.filter((c) => c instanceof AssumeRoleCommand)).toHaveLength(2);
  });

  it('an account removed from the policy is refused at once', async () => {
    const { base } = fakeBase(60 * 60_000);
    let configured: Record<string, { roleArn: string }> = { '222222222222': { roleArn: role } };
    const accounts = createAccountClients(base, () => configured, build);
    await accounts.clientsForAccount('222222222222');
    configured = {};
    await expect(accounts.clientsForAccount('222222222222')).rejects.toThrow(AccountNotConfiguredError);
  });
});
