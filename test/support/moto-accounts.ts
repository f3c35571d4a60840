// A second AWS account in the emulator, as an operator would set one up for nhi-enforce: a role there whose trust
// policy names the worker's principal, allowed to act on IAM. moto keeps IAM per account id, but with IAM
// enforcement on, no credentials of the default account are valid in another one: the role is created in two
// calls moto serves unauthenticated (`/moto-api/reset-auth`; enforcement resumes right after).
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { awsClients } from '../../activities/aws/clients.ts';
import { endpoints } from '../../infra/endpoints.ts';

/** Creates `roleName` in `account`, assumable by the worker's own principal; returns its ARN. */
export async function openAccount(account: string, roleName: string): Promise<string> {
  const base = awsClients();
  const caller = (await base.sts.send(new GetCallerIdentityCommand({}))).Arn!;
  const endpoint = endpoints().awsEndpoint!;
  const reset = await fetch(`${endpoint}/moto-api/reset-auth`, { method: 'POST', body: '2' });
  if (!reset.ok) throw new Error(`moto reset-auth: HTTP ${reset.status}`);
  // A client of its own: the header sends every request of it to `account`.
  const iam = awsClients().iam;
  iam.middlewareStack.add(
    (next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers['x-moto-account-id'] = account;
      return next(args);
    },
    { step: 'build', name: 'motoAccount' },
  );
  try {
    const role = await iam.send(
      new CreateRoleCommand({
        RoleName: roleName,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: caller }, Action: 'sts:AssumeRole' }],
        }),
      }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: roleName,
        PolicyName: 'nhi-enforce',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: ['iam:*', 'sts:*'], Resource: '*' }],
        }),
      }),
    );
    return role.Role!.Arn!;
  } finally {
    iam.destroy();
  }
}
