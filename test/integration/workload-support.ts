// A workload for scope-down tests: an IAM user allowed everything (seedAdminUser: Allow * on *; the emulator denies
// resource-scoped Allows), a bucket object and a queue it works with, a secret, and the calls it can try with its
// own key — to prove what a policy really allows or denies, not just that our API call returned 200.
import { randomUUID } from 'node:crypto';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { type AwsCredentials, awsClients, awsClientsFor } from '../../activities/aws/clients.ts';
import { endpoints, stateDir } from '../../infra/endpoints.ts';
import { readAdminCredentials } from '../../infra/services/moto-admin.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import { seedAdminUser } from './identity-support.ts';

export function clientsAs(credentials: AwsCredentials) {
  const { awsEndpoint, awsRegion } = endpoints();
  const config = { region: awsRegion, endpoint: awsEndpoint, credentials };
  return {
    ...awsClientsFor(credentials),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    sqs: new SQSClient(config),
  };
}

/** Denied by IAM (not failed for another reason). */
export const denied = (fn: () => Promise<unknown>) =>
  fn().then(
    () => false,
    (e: Error) => /AccessDenied/.test(e.name) || /AccessDenied|not authorized/i.test(e.message),
  );

/** The user `name` (created here), admin by policy, with one access key and the resources it uses. */
export async function workload(name = `wl-${randomUUID().slice(0, 8)}`) {
  const { iam } = awsClients();
  const admin = clientsAs(readAdminCredentials(stateDir())!);
  const seeded = await seedAdminUser(name);
  await admin.s3.send(new CreateBucketCommand({ Bucket: name }));
  await admin.s3.send(new PutObjectCommand({ Bucket: name, Key: 'data.txt', Body: 'hello' }));
  const queueUrl = (await admin.sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
  const secret = await admin.secretsManager.send(
    new CreateSecretCommand({ Name: `${name}/s`, SecretString: 'x' }),
  );
  // A role that trusts the user by ARN (the emulator refuses a trust of the account root).
  const role = (
    await iam.send(
      new CreateRoleCommand({
        RoleName: `${name}-deploy`,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: seeded.user.key }, Action: 'sts:AssumeRole' }],
        }),
      }),
    )
  ).Role!;
  const as = clientsAs({ accessKeyId: seeded.key.name!, secretAccessKey: seeded.secretAccessKey });
  const ref: IdentityRef = { ...seeded.user, aliases: [] };
  const uses = {
    getObject: () => as.s3.send(new GetObjectCommand({ Bucket: name, Key: 'data.txt' })),
    sendMessage: () => as.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'hi' })),
    createUser: () =>
      as.iam.send(new CreateUserCommand({ UserName: `${name}-x${randomUUID().slice(0, 4)}` })),
    getSecret: () => as.secretsManager.send(new GetSecretValueCommand({ SecretId: secret.ARN })),
    createKey: () => as.iam.send(new CreateAccessKeyCommand({ UserName: name })),
    assumeRole: () => as.sts.send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: 'test' })),
  };
  return { name, ref, uses, as };
}
