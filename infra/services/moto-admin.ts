// The admin credentials of the local moto: created in moto's unauthenticated window, then the key to everything.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import '../aws-sdk-env.ts';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';

export interface AwsKey {
  accessKeyId: string;
  secretAccessKey: string;
}

export const adminUserName = 'nhi-admin';
/** AWS calls moto serves without checking credentials; exactly the bootstrap below, so none are left over. */
export const bootstrapCallCount = 3;

export const adminCredentialsPath = (dir: string) => join(dir, 'aws-admin.json');

export function readAdminCredentials(dir: string): AwsKey | undefined {
  const file = adminCredentialsPath(dir);
  if (!existsSync(file)) return undefined;
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<AwsKey>;
  if (typeof parsed.accessKeyId !== 'string' || typeof parsed.secretAccessKey !== 'string') return undefined;
  return { accessKeyId: parsed.accessKeyId, secretAccessKey: parsed.secretAccessKey };
}

/** Must run right after a fresh moto start: these are its first (and only) unauthenticated calls. */
export async function bootstrapAdmin(dir: string, endpoint: string, region: string): Promise<AwsKey> {
  const iam = new IAMClient({
    endpoint,
    region,
    credentials: { accessKeyId: 'bootstrap', secretAccessKey: 'bootstrap' }, // not checked yet
    maxAttempts: 1, // a retry would spend the unauthenticated budget
  });
  try {
    await iam.send(new CreateUserCommand({ UserName: adminUserName }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: adminUserName,
        PolicyName: 'admin',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
        }),
      }),
    );
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: adminUserName }));
    if (!AccessKey?.AccessKeyId || !AccessKey.SecretAccessKey)
      throw new Error('CreateAccessKey returned no key');
    const key = { accessKeyId: AccessKey.AccessKeyId, secretAccessKey: AccessKey.SecretAccessKey };
    const file = adminCredentialsPath(dir);
    writeFileSync(file, `${JSON.stringify(key, null, 2)}\n`, { mode: 0o600 });
    chmodSync(file, 0o600); // mode above only applies when the file is new
    return key;
  } finally {
    iam.destroy();
  }
}
