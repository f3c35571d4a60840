// AWS IAM policy documents as IAM returns them (identity policies, permissions boundaries, role trust policies),
// and the set of policies one identity carries. Tolerant of fields we do not use; strict about the shape we read.
// Pure: safe to bundle into workflow code.
import { z } from 'zod';

const StringOrList = z.union([z.string(), z.array(z.string())]);
export type StringOrList = z.infer<typeof StringOrList>;

/** `"*"`, or a map of principal kinds: `{ AWS: arn | arn[] }`, `{ Service: … }`, `{ Federated: … }`, … */
export const Principal = z.union([
  z.literal('*'),
  z.looseObject({
    AWS: StringOrList.optional(),
    Service: StringOrList.optional(),
    Federated: StringOrList.optional(),
    CanonicalUser: StringOrList.optional(),
  }),
]);
export type Principal = z.infer<typeof Principal>;

/** `{ "StringEquals": { "aws:PrincipalTag/team": "ci" } }`: operator → condition key → value(s). */
export const Condition = z.record(z.string(), z.record(z.string(), z.unknown()));
export type Condition = z.infer<typeof Condition>;

export const PolicyStatement = z
  .looseObject({
    Sid: z.string().optional(),
    Effect: z.enum(['Allow', 'Deny']),
    Action: StringOrList.optional(),
    NotAction: StringOrList.optional(),
    Resource: StringOrList.optional(),
    NotResource: StringOrList.optional(),
    Principal: Principal.optional(),
    NotPrincipal: Principal.optional(),
    Condition: Condition.optional(),
  })
  .superRefine((s, ctx) => {
    const both = (a: unknown, b: unknown) => a !== undefined && b !== undefined;
    if (s.Action === undefined && s.NotAction === undefined) {
      ctx.addIssue({ code: 'custom', message: 'needs Action or NotAction', path: ['Action'] });
    }
    if (both(s.Action, s.NotAction)) {
      ctx.addIssue({ code: 'custom', message: 'has both Action and NotAction', path: ['NotAction'] });
    }
    if (both(s.Resource, s.NotResource)) {
      ctx.addIssue({ code: 'custom', message: 'has both Resource and NotResource', path: ['NotResource'] });
    }
    if (both(s.Principal, s.NotPrincipal)) {
      ctx.addIssue({
        code: 'custom',
        message: 'has both Principal and NotPrincipal',
        path: ['NotPrincipal'],
      });
    }
  });
export type PolicyStatement = z.infer<typeof PolicyStatement>;

export const PolicyDocument = z.looseObject({
  Version: z.string().optional(),
  Id: z.string().optional(),
  Statement: z.union([PolicyStatement, z.array(PolicyStatement)]),
});
export type PolicyDocument = z.infer<typeof PolicyDocument>;

/** An inline policy with its name (as GetUserPolicy/GetRolePolicy return it); a bare document is accepted too. */
export const NamedInlinePolicy = z.object({ name: z.string().min(1), document: PolicyDocument });
export type NamedInlinePolicy = z.infer<typeof NamedInlinePolicy>;
export const InlinePolicy = z.union([NamedInlinePolicy, PolicyDocument]);
export type InlinePolicy = z.infer<typeof InlinePolicy>;

export const AttachedPolicy = z.object({
  arn: z.string().min(1),
  name: z.string().min(1),
  document: PolicyDocument,
});
export type AttachedPolicy = z.infer<typeof AttachedPolicy>;

export const GroupPolicies = z.object({
  name: z.string().min(1),
  inline: z.array(InlinePolicy).default([]),
  attached: z.array(AttachedPolicy).default([]),
});
export type GroupPolicies = z.infer<typeof GroupPolicies>;

/** Everything that decides what one IAM user or role may do (SCPs and session policies are out of scope). */
export const IdentityPolicies = z.object({
  inline: z.array(InlinePolicy).default([]),
  attached: z.array(AttachedPolicy).default([]),
  /** Users only: the groups the user is in. */
  groups: z.array(GroupPolicies).default([]),
  permissionsBoundary: PolicyDocument.optional(),
  /** Roles only: who may assume the role. */
  trustPolicy: PolicyDocument.optional(),
});
export type IdentityPolicies = z.infer<typeof IdentityPolicies>;
export type IdentityPoliciesInput = z.input<typeof IdentityPolicies>;

/** The statements of a document as a list, whatever form the document used. */
export const statementsOf = (doc: PolicyDocument): PolicyStatement[] =>
  Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];

/** A string field that may be one value or a list, as a list. */
export const listOf = (value: StringOrList | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/**
 * A policy document from IAM: an object, a JSON string, or the URL-encoded JSON string the IAM API returns.
 * Throws a one-line Error naming the first problem.
 */
export function parsePolicyDocument(input: unknown): PolicyDocument {
  let value = input;
  if (typeof value === 'string') {
    const text = value.trimStart().startsWith('{') ? value : safeDecode(value);
    try {
      value = JSON.parse(text);
    } catch {
      throw new Error('policy document: not valid JSON');
    }
  }
  const parsed = PolicyDocument.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const where = issue.path.length
    ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')
    : '';
  throw new Error(`policy document${where}: ${issue.message}`);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
