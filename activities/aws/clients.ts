// AWS SDK clients for activities: the local moto (admin key from `nhi stack up`) or, with
// NHI_AWS_ENDPOINT=aws, real AWS through the default credential chain.
import '../../infra/aws-sdk-env.ts';
import { IAMClient } from '@aws-sdk/client-iam';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STSClient } from '@aws-sdk/client-sts';
import { endpoints, stateDir } from '../../infra/endpoints.ts';
import { adminCredentialsPath, readAdminCredentials } from '../../infra/services/moto-admin.ts';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsClients {
  iam: IAMClient;
  sts: STSClient;
  secretsManager: SecretsManagerClient;
}

function build(credentials: AwsCredentials | undefined): AwsClients {
  const { awsEndpoint, awsRegion } = endpoints();
  const config = { region: awsRegion, endpoint: awsEndpoint, credentials };
  return {
    iam: new IAMClient(config),
    sts: new STSClient(config),
    secretsManager: new SecretsManagerClient(config),
  };
}

/** Clients with the stack's admin key locally, or the default credential chain against real AWS. */
export function awsClients(): AwsClients {
  if (endpoints().awsEndpoint === undefined) return build(undefined);
  const admin = readAdminCredentials(stateDir());
  if (!admin) {
    throw new Error(
      `aws: no local admin key at ${adminCredentialsPath(stateDir())} — run nhi stack up (or set NHI_AWS_ENDPOINT=aws for real AWS)`,
    );
  }
  return build(admin);
}

/** Clients acting as one specific key (e.g. to prove that a revoked or scoped-down key is denied). */
export function awsClientsFor(credentials: AwsCredentials): AwsClients {
  return build(credentials);
}
