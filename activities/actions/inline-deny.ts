// Actions that work by attaching an inline Deny policy to the user or role: quarantine (deny everything),
// revoke-sessions (deny credentials issued before now, AWS's own recipe), scope-down (deny the sensitive
// actions). An explicit Deny wins over every Allow, and removing the inline policy undoes it.
import {
  GetRolePolicyCommand,
  GetUserPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { ACTION_SUPPORT } from '../../schemas/action-support.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import type { AwsClients } from '../aws/clients.ts';
import { accessKeyOwner } from './access-key-owner.ts';
import { type RemediationAction, userNameFromArn } from './action.ts';

/** Sensitive actions scope-down denies: privilege escalation, credential access, defence evasion. */
export const SCOPE_DOWN_DENIED_ACTIONS = [
  'iam:*',
  'sts:AssumeRole',
  'organizations:*',
  'secretsmanager:GetSecretValue',
  'kms:Decrypt',
  'cloudtrail:StopLogging',
  'cloudtrail:DeleteTrail',
  'lambda:CreateFunction',
  'lambda:UpdateFunctionCode',
];

function policyFor(action: string, now: string): Record<string, unknown> {
  if (action === 'revoke-sessions') {
    return {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'NhiEnforceRevokeOlderSessions',
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: { DateLessThan: { 'aws:TokenIssueTime': now } },
        },
      ],
    };
  }
  const Action = action === 'scope-down' ? SCOPE_DOWN_DENIED_ACTIONS : '*';
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: `NhiEnforce${action.replace(/-./g, (m) => m[1]!.toUpperCase())}`,
        Effect: 'Deny',
        Action,
        Resource: '*',
      },
    ],
  };
}

async function principalOf(
  identity: IdentityRef,
  aws: AwsClients,
): Promise<{ kind: 'user' | 'role'; name: string } | undefined> {
  if (identity.type === 'aws-user') return { kind: 'user', name: userNameFromArn(identity.key) };
  if (identity.type === 'aws-role') return { kind: 'role', name: userNameFromArn(identity.key) };
  if (identity.type === 'aws-access-key') {
    const user = await accessKeyOwner(identity, aws);
    return user ? { kind: 'user', name: user } : undefined;
  }
  return undefined;
}

function inlineDenyAction(name: string, description: string): RemediationAction {
  const policyName = `nhi-enforce-${name}`;
  return {
    name,
    description,
    appliesTo: [...(ACTION_SUPPORT[name]?.identityTypes ?? [])],
    async plan(identity, aws) {
      const principal = await principalOf(identity, aws);
      if (!principal)
        return {
          action: name,
          identityKey: identity.key,
          steps: [],
          noop: 'no IAM user or role to attach a policy to',
        };
      const now = new Date().toISOString();
      const document = JSON.stringify(policyFor(name, now));
      const api = principal.kind === 'user' ? 'iam:PutUserPolicy' : 'iam:PutRolePolicy';
      // Said in the plan, so a reviewer knows what it does not do: aws:TokenIssueTime exists only on temporary
      // credentials, so a long-term access key keeps working (deactivate-key stops that).
      const effect: Record<string, string> =
        name === 'revoke-sessions'
          ? {
              effect: `denies temporary sessions of ${principal.kind} ${principal.name} issued before ${now}; long-term access keys are not affected`,
            }
          : {};
      return {
        action: name,
        identityKey: identity.key,
        steps: [{ api, target: principal.name, detail: { policyName, document, ...effect } }],
      };
    },
    async execute(plan, aws) {
      for (const { api, target, detail } of plan.steps) {
        const input = { PolicyName: detail.policyName, PolicyDocument: detail.document };
        if (api === 'iam:PutUserPolicy')
          await aws.iam.send(new PutUserPolicyCommand({ ...input, UserName: target }));
        else await aws.iam.send(new PutRolePolicyCommand({ ...input, RoleName: target }));
      }
      return { policy: policyName, attachedTo: plan.steps.map((s) => s.target) };
    },
    async verify(plan, aws) {
      for (const { api, target, detail } of plan.steps) {
        const out =
          api === 'iam:PutUserPolicy'
            ? await aws.iam.send(
                new GetUserPolicyCommand({ UserName: target, PolicyName: detail.policyName }),
              )
            : await aws.iam.send(
                new GetRolePolicyCommand({ RoleName: target, PolicyName: detail.policyName }),
              );
        if (!out.PolicyDocument) return { ok: false, detail: `${detail.policyName} missing on ${target}` };
      }
      return { ok: true, detail: `${policyName} in place on ${plan.steps.map((s) => s.target).join(', ')}` };
    },
  };
}

export const quarantine = inlineDenyAction(
  'quarantine',
  'attach an inline Deny-all policy to the user or role',
);
export const revokeSessions = inlineDenyAction(
  'revoke-sessions',
  'deny every credential issued before now (AWS revoke-older-sessions policy)',
);
export const scopeDown = inlineDenyAction(
  'scope-down',
  'deny privilege-escalation, credential-access and defence-evasion actions',
);
