// Realistic IAM documents and identities for the risk tests: AWS managed policies as AWS publishes them (trimmed
// where noted), and the policies real CI/deploy identities carry.

import type { KnownIdentity } from '../../../risk/reach.ts';
import {
  IdentityPolicies,
  type IdentityPoliciesInput,
  type PolicyDocument,
} from '../../../schemas/iam-policy.ts';

export const ACCOUNT = '123456789012';
export const OTHER_ACCOUNT = '210987654321';
export const arn = (resource: string, account = ACCOUNT) => `arn:aws:iam::${account}:${resource}`;

/** arn:aws:iam::aws:policy/AdministratorAccess */
export const ADMINISTRATOR_ACCESS: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};

/** arn:aws:iam::aws:policy/PowerUserAccess (current version: everything but IAM, Organizations and Account). */
export const POWER_USER_ACCESS: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
    {
      Effect: 'Allow',
      Action: [
        'account:GetAccountInformation',
        'account:GetPrimaryEmail',
        'account:ListRegions',
        'iam:CreateServiceLinkedRole',
        'iam:DeleteServiceLinkedRole',
        'iam:ListRoles',
        'organizations:DescribeOrganization',
      ],
      Resource: '*',
    },
  ],
};

/** arn:aws:iam::aws:policy/ReadOnlyAccess, trimmed to the services these tests look at. */
export const READ_ONLY_ACCESS: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'ReadOnlyActions',
      Effect: 'Allow',
      Action: [
        'ec2:Describe*',
        'iam:Get*',
        'iam:List*',
        'lambda:Get*',
        'lambda:List*',
        's3:Get*',
        's3:List*',
        'secretsmanager:Describe*',
        'secretsmanager:List*',
        'ssm:Describe*',
        'ssm:Get*',
      ],
      Resource: '*',
    },
  ],
};

/** A build job that may read and write its own artifact bucket, nothing else. */
export const SCOPED_S3: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'ArtifactsRW',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject'],
      Resource: 'arn:aws:s3:::acme-build-artifacts/*',
    },
    {
      Sid: 'ArtifactsList',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: 'arn:aws:s3:::acme-build-artifacts',
    },
  ],
};

/** The classic Lambda privilege-escalation pair, as a deploy pipeline's inline policy often has it. */
export const PASSROLE_LAMBDA: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'PassAnyRole', Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' },
    {
      Sid: 'ManageFunctions',
      Effect: 'Allow',
      Action: ['lambda:CreateFunction', 'lambda:InvokeFunction', 'lambda:UpdateFunctionCode'],
      Resource: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:*`,
    },
  ],
};

export const assumePolicy = (...roleArns: string[]): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roleArns.length === 1 ? roleArns[0]! : roleArns },
  ],
});

export const trustPolicy = (aws: string | string[], extra: Record<string, unknown> = {}): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: aws }, Action: 'sts:AssumeRole', ...extra }],
});

export const policies = (input: IdentityPoliciesInput = {}) => IdentityPolicies.parse(input);

export const managed = (name: string, document: PolicyDocument) => ({
  arn: `arn:aws:iam::aws:policy/${name}`,
  name,
  document,
});

export const user = (name: string, input: IdentityPoliciesInput = {}, account = ACCOUNT): KnownIdentity => ({
  key: arn(`user/${name}`, account),
  type: 'aws-user',
  policies: policies(input),
});

export const role = (name: string, input: IdentityPoliciesInput = {}, account = ACCOUNT): KnownIdentity => ({
  key: arn(`role/${name}`, account),
  type: 'aws-role',
  policies: policies(input),
});

/** user/ci → role/deploy → role/admin: the chain every blast-radius test starts from. */
export function deployChain(overrides: { adminTrust?: PolicyDocument } = {}): KnownIdentity[] {
  return [
    user('ci', { inline: [{ name: 'assume-deploy', document: assumePolicy(arn('role/deploy')) }] }),
    role('deploy', {
      trustPolicy: trustPolicy(arn('user/ci')),
      inline: [{ name: 'assume-admin', document: assumePolicy(arn('role/admin')) }],
      attached: [managed('ReadOnlyAccess', READ_ONLY_ACCESS)],
    }),
    role('admin', {
      trustPolicy: overrides.adminTrust ?? trustPolicy(arn('role/deploy')),
      attached: [managed('AdministratorAccess', ADMINISTRATOR_ACCESS)],
    }),
  ];
}
