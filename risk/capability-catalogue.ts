// The one list of sensitive capabilities: what an identity can DO that matters when it falls into the wrong
// hands. Each entry names the IAM actions that grant it, a weight (0–100: damage potential if abused) and one line
// saying why. Combos are capabilities that only exist together (iam:PassRole + lambda:CreateFunction: run code as
// any passable role). Scoring and explanations read from here; add a capability here and nowhere else.

/** Catalogue action that means "every action" (AdministratorAccess): only `*` / `*:*` grants it. */
export const ALL_ACTIONS = '*';

export type Tactic =
  | 'admin'
  | 'privilege-escalation'
  | 'persistence'
  | 'credential-access'
  | 'lateral-movement'
  | 'execution'
  | 'data-access'
  | 'defense-evasion'
  | 'impact';

interface ActionCapabilityShape {
  kind: 'actions';
  id: string;
  title: string;
  /** Concrete action names (any one grants the capability), or ALL_ACTIONS. Matched case-insensitively. */
  actions: readonly string[];
  /**
   * Granted only when the allowed resources cover all of `probes` (e.g. s3-read-all: GetObject on every bucket).
   * Otherwise a scoped grant still counts, and the score discounts it.
   */
  requiresAllResources?: boolean;
  /**
   * Resources that stand for "any resource of this kind": a pattern covering all of them means all resources.
   * `{account}` is replaced by the identity's own account. Without probes only `*` means all.
   */
  probes?: readonly string[];
  weight: number;
  tactic: Tactic;
  why: string;
}

interface ComboCapabilityShape {
  kind: 'combo';
  id: string;
  title: string;
  /** Every one of these, held by the same identity. */
  requires: readonly string[];
  /** The part whose resources bound the damage (which roles can be passed): the combo's scope is its scope. */
  scopedBy: string;
  weight: number;
  tactic: Tactic;
  why: string;
}

const S3_OBJECTS = ['arn:aws:s3:::nhi-probe-a/key', 'arn:aws:s3:::zz-probe-b/dir/key'] as const;
const ROLES = ['arn:aws:iam::{account}:role/nhi-probe-a', 'arn:aws:iam::{account}:role/zz/probe-b'] as const;
const TABLES = [
  'arn:aws:dynamodb:us-east-1:{account}:table/nhi-probe-a',
  'arn:aws:dynamodb:eu-west-1:{account}:table/zz-probe-b',
] as const;

export const CAPABILITIES = [
  {
    kind: 'actions',
    id: 'full-admin',
    title: 'all actions on all resources',
    actions: [ALL_ACTIONS],
    requiresAllResources: true,
    weight: 100,
    tactic: 'admin',
    why: 'can do anything in the account, including granting itself and others any access',
  },
  {
    kind: 'actions',
    id: 'iam-attach-policy',
    title: 'attach or write IAM policies',
    actions: [
      'iam:AttachUserPolicy',
      'iam:AttachRolePolicy',
      'iam:AttachGroupPolicy',
      'iam:PutUserPolicy',
      'iam:PutRolePolicy',
      'iam:PutGroupPolicy',
      'iam:CreatePolicyVersion',
      'iam:SetDefaultPolicyVersion',
    ],
    weight: 90,
    tactic: 'privilege-escalation',
    why: 'can grant itself any permission, so it is admin in one call',
  },
  {
    kind: 'actions',
    id: 'iam-trust-modify',
    title: "rewrite a role's trust policy",
    actions: ['iam:UpdateAssumeRolePolicy'],
    weight: 85,
    tactic: 'privilege-escalation',
    why: 'can let itself (or an outside account) assume any role it can edit',
  },
  {
    kind: 'actions',
    id: 'iam-create-access-key',
    title: 'create access keys',
    actions: ['iam:CreateAccessKey'],
    weight: 80,
    tactic: 'persistence',
    why: "can mint long-lived keys for other users and act as them, surviving this identity's revocation",
  },
  {
    kind: 'actions',
    id: 'iam-permissions-boundary-edit',
    title: 'change or remove permissions boundaries',
    actions: [
      'iam:DeleteUserPermissionsBoundary',
      'iam:DeleteRolePermissionsBoundary',
      'iam:PutUserPermissionsBoundary',
      'iam:PutRolePermissionsBoundary',
    ],
    weight: 80,
    tactic: 'privilege-escalation',
    why: 'can lift the guard rail that limits itself or other identities',
  },
  {
    kind: 'actions',
    id: 'iam-login-profile',
    title: 'set console passwords',
    actions: ['iam:CreateLoginProfile', 'iam:UpdateLoginProfile'],
    weight: 75,
    tactic: 'privilege-escalation',
    why: 'can set a console password for another user and log in as them',
  },
  {
    kind: 'actions',
    id: 'iam-user-mgmt',
    title: 'create, delete or regroup IAM users and roles',
    actions: [
      'iam:CreateUser',
      'iam:DeleteUser',
      'iam:CreateRole',
      'iam:DeleteRole',
      'iam:AddUserToGroup',
      'iam:RemoveUserFromGroup',
    ],
    weight: 70,
    tactic: 'persistence',
    why: 'can create backdoor identities or add itself to a more powerful group',
  },
  {
    kind: 'actions',
    id: 'iam-passrole',
    title: 'pass roles to AWS services',
    actions: ['iam:PassRole'],
    weight: 60,
    tactic: 'privilege-escalation',
    why: 'can hand a role to a service it controls; with a compute service that is running code as the role',
  },
  {
    kind: 'actions',
    id: 'organizations-admin',
    title: 'change the AWS Organization',
    actions: [
      'organizations:LeaveOrganization',
      'organizations:DeleteOrganization',
      'organizations:CreateAccount',
      'organizations:InviteAccountToOrganization',
      'organizations:RemoveAccountFromOrganization',
      'organizations:MoveAccount',
      'organizations:AttachPolicy',
      'organizations:DetachPolicy',
      'organizations:UpdatePolicy',
      'organizations:DeletePolicy',
      'organizations:DisablePolicyType',
    ],
    weight: 90,
    tactic: 'impact',
    why: 'can remove guard rails (SCPs) for whole accounts or take an account out of the organization',
  },
  {
    kind: 'actions',
    id: 'cloudtrail-tamper',
    title: 'stop or delete CloudTrail',
    actions: [
      'cloudtrail:StopLogging',
      'cloudtrail:DeleteTrail',
      'cloudtrail:UpdateTrail',
      'cloudtrail:PutEventSelectors',
    ],
    weight: 80,
    tactic: 'defense-evasion',
    why: 'can blind the audit trail before acting',
  },
  {
    kind: 'actions',
    id: 'detection-tamper',
    title: 'disable threat detection and config recording',
    actions: [
      'guardduty:DeleteDetector',
      'guardduty:UpdateDetector',
      'guardduty:DisassociateFromMasterAccount',
      'guardduty:DisassociateFromAdministratorAccount',
      'securityhub:DisableSecurityHub',
      'config:StopConfigurationRecorder',
      'config:DeleteConfigurationRecorder',
      'config:DeleteDeliveryChannel',
      'logs:DeleteLogGroup',
    ],
    weight: 75,
    tactic: 'defense-evasion',
    why: 'can switch off GuardDuty, Security Hub, Config or delete logs so abuse goes unseen',
  },
  {
    kind: 'actions',
    id: 'sts-assume-any',
    title: 'assume any role',
    actions: ['sts:AssumeRole'],
    requiresAllResources: true,
    probes: ROLES,
    weight: 70,
    tactic: 'lateral-movement',
    why: 'can become any role whose trust policy lets its account in',
  },
  {
    kind: 'actions',
    id: 'secrets-read',
    title: 'read Secrets Manager secrets',
    actions: ['secretsmanager:GetSecretValue', 'secretsmanager:BatchGetSecretValue'],
    weight: 70,
    tactic: 'credential-access',
    why: 'can read stored credentials and become whatever they unlock',
  },
  {
    kind: 'actions',
    id: 'ssm-parameters-read',
    title: 'read SSM parameters',
    actions: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
    weight: 50,
    tactic: 'credential-access',
    why: 'SecureString parameters often hold credentials',
  },
  {
    kind: 'actions',
    id: 'kms-decrypt',
    title: 'decrypt with KMS keys',
    actions: ['kms:Decrypt'],
    weight: 55,
    tactic: 'credential-access',
    why: 'unlocks encrypted secrets, parameters and data it can read',
  },
  {
    kind: 'actions',
    id: 'kms-key-destroy',
    title: 'disable, delete or re-permission KMS keys',
    actions: ['kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:PutKeyPolicy'],
    weight: 75,
    tactic: 'impact',
    why: 'destroying a key makes everything encrypted with it unreadable (ransom)',
  },
  {
    kind: 'actions',
    id: 's3-read-all',
    title: 'read every S3 object',
    actions: ['s3:GetObject'],
    requiresAllResources: true,
    probes: S3_OBJECTS,
    weight: 70,
    tactic: 'data-access',
    why: 'can exfiltrate any bucket in the account, backups and state files included',
  },
  {
    kind: 'actions',
    id: 's3-write',
    title: 'write S3 objects',
    actions: ['s3:PutObject'],
    probes: S3_OBJECTS,
    weight: 45,
    tactic: 'impact',
    why: 'can tamper with artifacts, website content or data others trust',
  },
  {
    kind: 'actions',
    id: 's3-delete',
    title: 'delete S3 objects or buckets',
    actions: ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:DeleteBucket'],
    probes: S3_OBJECTS,
    weight: 60,
    tactic: 'impact',
    why: 'can destroy data, versions included',
  },
  {
    kind: 'actions',
    id: 's3-policy-modify',
    title: 'change S3 bucket policies, ACLs or public access blocks',
    actions: [
      's3:PutBucketPolicy',
      's3:DeleteBucketPolicy',
      's3:PutBucketAcl',
      's3:PutObjectAcl',
      's3:PutBucketPublicAccessBlock',
      's3:PutAccountPublicAccessBlock',
    ],
    probes: S3_OBJECTS,
    weight: 70,
    tactic: 'data-access',
    why: 'can make buckets public or share them with another account',
  },
  {
    kind: 'actions',
    id: 'dynamodb-read-all',
    title: 'read every DynamoDB table',
    actions: ['dynamodb:Scan', 'dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:BatchGetItem'],
    requiresAllResources: true,
    probes: TABLES,
    weight: 55,
    tactic: 'data-access',
    why: 'can exfiltrate application data from any table',
  },
  {
    kind: 'actions',
    id: 'snapshot-share',
    title: 'share EBS/RDS snapshots or AMIs',
    actions: [
      'ec2:ModifySnapshotAttribute',
      'ec2:ModifyImageAttribute',
      'rds:ModifyDBSnapshotAttribute',
      'rds:ModifyDBClusterSnapshotAttribute',
    ],
    weight: 60,
    tactic: 'data-access',
    why: 'can copy whole disks and databases to another account',
  },
  {
    kind: 'actions',
    id: 'ec2-network-open',
    title: 'open security groups',
    actions: ['ec2:AuthorizeSecurityGroupIngress'],
    weight: 40,
    tactic: 'impact',
    why: 'can expose internal services to the internet',
  },
  {
    kind: 'actions',
    id: 'ec2-run',
    title: 'launch EC2 instances',
    actions: ['ec2:RunInstances'],
    weight: 45,
    tactic: 'execution',
    why: 'runs attacker-controlled compute (crypto-mining) and, with PassRole, code as an instance role',
  },
  {
    kind: 'actions',
    id: 'ssm-command',
    title: 'run commands on managed instances',
    actions: ['ssm:SendCommand', 'ssm:StartSession'],
    weight: 65,
    tactic: 'lateral-movement',
    why: 'runs code on instances and so acts as their instance roles',
  },
  {
    kind: 'actions',
    id: 'lambda-create',
    title: 'create Lambda functions',
    actions: ['lambda:CreateFunction'],
    weight: 45,
    tactic: 'execution',
    why: 'runs attacker-controlled code; with PassRole, as any passable role',
  },
  {
    kind: 'actions',
    id: 'lambda-update-code',
    title: 'change Lambda code or configuration',
    actions: ['lambda:UpdateFunctionCode', 'lambda:UpdateFunctionConfiguration'],
    weight: 65,
    tactic: 'privilege-escalation',
    why: "runs its own code as an existing function's role (no PassRole needed)",
  },
  {
    kind: 'actions',
    id: 'cloudformation-create',
    title: 'create or update CloudFormation stacks',
    actions: ['cloudformation:CreateStack', 'cloudformation:UpdateStack', 'cloudformation:CreateStackSet'],
    weight: 45,
    tactic: 'execution',
    why: "creates any resource the stack's role may create",
  },
  {
    kind: 'actions',
    id: 'codebuild-create',
    title: 'create or change CodeBuild projects',
    actions: ['codebuild:CreateProject', 'codebuild:UpdateProject'],
    weight: 40,
    tactic: 'execution',
    why: "runs build commands as the project's service role",
  },
  {
    kind: 'actions',
    id: 'ecs-run',
    title: 'register and run ECS tasks',
    actions: ['ecs:RegisterTaskDefinition', 'ecs:RunTask'],
    weight: 40,
    tactic: 'execution',
    why: 'runs containers as the task role it names',
  },
  {
    kind: 'actions',
    id: 'glue-dev-endpoint',
    title: 'create or change Glue development endpoints',
    actions: ['glue:CreateDevEndpoint', 'glue:UpdateDevEndpoint'],
    weight: 55,
    tactic: 'privilege-escalation',
    why: "gives SSH into an endpoint running as the endpoint's role",
  },
  {
    kind: 'actions',
    id: 'sagemaker-notebook',
    title: 'create or open SageMaker notebooks',
    actions: ['sagemaker:CreateNotebookInstance', 'sagemaker:CreatePresignedNotebookInstanceUrl'],
    weight: 45,
    tactic: 'execution',
    why: "gives a shell running as the notebook's role",
  },
  {
    kind: 'combo',
    id: 'privesc-passrole-lambda',
    title: 'PassRole + Lambda create',
    requires: ['iam-passrole', 'lambda-create'],
    scopedBy: 'iam-passrole',
    weight: 90,
    tactic: 'privilege-escalation',
    why: 'can create a function with any passable role and run code as that role',
  },
  {
    kind: 'combo',
    id: 'privesc-passrole-ec2',
    title: 'PassRole + EC2 launch',
    requires: ['iam-passrole', 'ec2-run'],
    scopedBy: 'iam-passrole',
    weight: 85,
    tactic: 'privilege-escalation',
    why: 'can launch an instance with any passable role and read its credentials from instance metadata',
  },
  {
    kind: 'combo',
    id: 'privesc-passrole-cloudformation',
    title: 'PassRole + CloudFormation',
    requires: ['iam-passrole', 'cloudformation-create'],
    scopedBy: 'iam-passrole',
    weight: 85,
    tactic: 'privilege-escalation',
    why: 'can deploy a stack that runs with any passable role',
  },
  {
    kind: 'combo',
    id: 'privesc-passrole-glue',
    title: 'PassRole + Glue dev endpoint',
    requires: ['iam-passrole', 'glue-dev-endpoint'],
    scopedBy: 'iam-passrole',
    weight: 80,
    tactic: 'privilege-escalation',
    why: 'can open a dev endpoint with any passable role and SSH in',
  },
  {
    kind: 'combo',
    id: 'privesc-passrole-codebuild',
    title: 'PassRole + CodeBuild',
    requires: ['iam-passrole', 'codebuild-create'],
    scopedBy: 'iam-passrole',
    weight: 80,
    tactic: 'privilege-escalation',
    why: 'can run a build with any passable role',
  },
  {
    kind: 'combo',
    id: 'privesc-passrole-ecs',
    title: 'PassRole + ECS task',
    requires: ['iam-passrole', 'ecs-run'],
    scopedBy: 'iam-passrole',
    weight: 80,
    tactic: 'privilege-escalation',
    why: 'can run a container with any passable role',
  },
  {
    kind: 'combo',
    id: 'privesc-passrole-sagemaker',
    title: 'PassRole + SageMaker notebook',
    requires: ['iam-passrole', 'sagemaker-notebook'],
    scopedBy: 'iam-passrole',
    weight: 80,
    tactic: 'privilege-escalation',
    why: 'can start a notebook with any passable role and open a shell in it',
  },
  {
    kind: 'combo',
    id: 'privesc-trust-assume',
    title: 'rewrite trust + assume',
    requires: ['iam-trust-modify', 'sts-assume-any'],
    scopedBy: 'iam-trust-modify',
    weight: 90,
    tactic: 'privilege-escalation',
    why: "can add itself to any role's trust policy and then become that role",
  },
] as const satisfies readonly (ActionCapabilityShape | ComboCapabilityShape)[];

export type CapabilityDef = (typeof CAPABILITIES)[number];
export type CapabilityId = CapabilityDef['id'];
export type ActionCapability = Extract<CapabilityDef, { kind: 'actions' }>;
export type ComboCapability = Extract<CapabilityDef, { kind: 'combo' }>;

const BY_ID = new Map<string, CapabilityDef>(CAPABILITIES.map((c) => [c.id, c]));

export const CAPABILITY_IDS: readonly CapabilityId[] = CAPABILITIES.map((c) => c.id);

export function capabilityById(id: string): CapabilityDef | undefined {
  return BY_ID.get(id);
}

export const isCapabilityId = (id: string): id is CapabilityId => BY_ID.has(id);
