// The demo's small IAM estate in the AWS emulator: a CI user that can become an admin in two hops
// (user/ci → role/deploy → role/admin), with an access key that is about to leak.
import {
  AttachRolePolicyCommand,
  CreateAccessKeyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  TagUserCommand,
} from '@aws-sdk/client-iam';
import type { AwsClients } from '../activities/aws/clients.ts';

export interface DemoEstate {
  prefix: string;
  account: string;
  user: { name: string; arn: string; id: string };
  key: { id: string; secret: string };
  roles: { deploy: string; admin: string };
}

const doc = (statement: object) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });

export async function seedDemoEstate(aws: AwsClients, prefix: string): Promise<DemoEstate> {
  const { iam } = aws;
  const user = (await iam.send(new CreateUserCommand({ UserName: `${prefix}-ci` }))).User!;
  const account = user.Arn!.split(':')[4]!;
  await iam.send(
    new TagUserCommand({ UserName: user.UserName, Tags: [{ Key: 'owner', Value: 'team-payments' }] }),
  );
  const deploy = (
    await iam.send(
      new CreateRoleCommand({
        RoleName: `${prefix}-deploy`,
        AssumeRolePolicyDocument: doc({
          Effect: 'Allow',
          Principal: { AWS: user.Arn },
          Action: 'sts:AssumeRole',
        }),
      }),
    )
  ).Role!;
  const admin = (
    await iam.send(
      new CreateRoleCommand({
        RoleName: `${prefix}-admin`,
        AssumeRolePolicyDocument: doc({
          Effect: 'Allow',
          Principal: { AWS: deploy.Arn },
          Action: 'sts:AssumeRole',
        }),
      }),
    )
  ).Role!;
  await iam.send(
    new PutUserPolicyCommand({
      UserName: user.UserName,
      PolicyName: 'assume-deploy',
      PolicyDocument: doc({
        Effect: 'Allow',
        Action: ['sts:AssumeRole', 'iam:ListUsers', 'iam:GetUser'],
        Resource: [deploy.Arn, '*'],
      }),
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: deploy.RoleName,
      PolicyName: 'assume-admin',
      PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: admin.Arn }),
    }),
  );
  const adminPolicy = (
    await iam.send(
      new CreatePolicyCommand({
        PolicyName: `${prefix}-administrator`,
        PolicyDocument: doc({ Effect: 'Allow', Action: '*', Resource: '*' }),
      }),
    )
  ).Policy!;
  await iam.send(new AttachRolePolicyCommand({ RoleName: admin.RoleName, PolicyArn: adminPolicy.Arn }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: user.UserName }))).AccessKey!;
  return {
    prefix,
    account,
    user: { name: user.UserName!, arn: user.Arn!, id: user.UserId! },
    key: { id: key.AccessKeyId!, secret: key.SecretAccessKey! },
    roles: { deploy: deploy.Arn!, admin: admin.Arn! },
  };
}

/** The built-in sample finding, filled in with this estate's ids (the scanner saw the real secret). */
export function renderSample(template: string, estate: DemoEstate): string {
  const values: Record<string, string> = {
    SECRET_BASE64: Buffer.from(estate.key.secret).toString('base64'),
    ACCESS_KEY_ID: estate.key.id,
    ACCOUNT: estate.account,
    USER_ARN: estate.user.arn,
    USER_ID: estate.user.id,
  };
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => values[name] ?? '');
}
