// Action-based access: the protected actions a policy catalogues (what each covers, who may ask, how risky the
// identity may be, who approves, for how long at most), and what a request, a grant and a revocation look like.
// Schema only and pure: workflow code imports it; the policy embeds the catalogue (schemas/policy.ts).
import { z } from 'zod';
import { Duration, durationMs } from './duration.ts';
import { canonicalJson, hashOf } from './signed-decision.ts';

/** STS AssumeRole bounds on DurationSeconds: 15 minutes to 12 hours (the role's own maximum may be lower). */
export const STS_MIN_SECONDS = 900;
export const STS_MAX_SECONDS = 43_200;

const IAM_ACTION = /^[a-z0-9-]+:[A-Za-z0-9*?]+$/;
/** Role names as IAM spells them. */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

export const RiskBand = z.enum(['low', 'medium', 'high', 'critical']);
export type RiskBand = z.infer<typeof RiskBand>;

export const Requesters = z
  .strictObject({
    /** Directory groups whose members may ask (a person signs the request). */
    groups: z.array(z.string().regex(/^[a-z0-9][a-z0-9._-]*$/)).default([]),
    /** Identity keys that may ask for themselves (a pipeline, a service, an AI agent). */
    identities: z.array(z.string().min(1)).default([]),
  })
  .refine((r) => r.groups.length + r.identities.length > 0, {
    message: 'must name at least one group or identity',
  });
export type Requesters = z.infer<typeof Requesters>;

/** One catalogued action: `deploy-prod`, `read-payment-secret`. The approval object is the remediation rules' own. */
export function protectedActionSchema<A extends z.ZodType>(approval: A) {
  return z.strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, { message: 'must be lowercase letters, digits and dashes' }),
    description: z.string().optional(),
    /** The IAM actions the grant allows, and nothing else (service:Action). */
    actions: z
      .array(z.string().regex(IAM_ACTION, { message: 'must be an IAM action such as s3:GetObject' }))
      .min(1),
    /** The resources they are allowed on (ARNs, or `*`). */
    resources: z
      .array(z.string().refine((s) => s === '*' || s.startsWith('arn:'), { message: 'must be an ARN or *' }))
      .min(1)
      .default(['*']),
    risk: RiskBand,
    /**
     * The role assumed in the identity's own account: its policies bound what any grant may do, and its trust
     * policy must name the worker's principal. The session policy narrows it to `actions` on `resources`.
     */
    role: z.string().regex(ROLE_NAME, { message: 'must be an IAM role name' }),
    maxDuration: Duration,
    requesters: Requesters,
    /** The identity's current risk score must be below this (0–100) to get the action at all. */
    riskCeiling: z.number().min(0).max(100),
    /** Who approves (quorum per group, AND across groups); absent: granted without approval. */
    approval: approval.optional(),
  });
}

/** The inline session policy a grant passes to sts:AssumeRole: exactly the catalogued actions on its resources. */
export function sessionPolicyOf(action: { actions: readonly string[]; resources: readonly string[] }) {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: [...action.actions], Resource: [...action.resources] }],
  };
}

/** The session policy as sent (canonical JSON, so its hash is stable). */
export const sessionPolicyText = (action: { actions: readonly string[]; resources: readonly string[] }) =>
  canonicalJson(sessionPolicyOf(action));

/** Seconds for sts:AssumeRole, or undefined when the text is no duration. */
export function durationSeconds(text: string): number | undefined {
  const ms = durationMs(text);
  return ms === undefined ? undefined : Math.round(ms / 1000);
}

/** What a person (or an identity for itself) asks; a person's signature covers exactly this (its hash). */
export interface AccessTerms {
  /** The catalogued action. */
  action: string;
  /** The identity the credentials act for (its account holds the role). */
  identityKey: string;
  /** `15m`, `1h`: no longer than the action's maxDuration. */
  duration: string;
  /** A person (lower-cased email) or, for an identity asking for itself, its key. */
  requester: string;
  reason: string;
  ticket?: string;
  /** X25519 public key (hex) the credentials are encrypted to: only its holder can read them. */
  recipientKey: string;
}

export const accessTermsHash = (terms: AccessTerms): string => hashOf(terms);

/** The grant id people pass to `nhi revoke`: `jit-` and 12 hex digits, chosen by the requester's client. */
export const GRANT_ID = /^jit-[0-9a-f]{12}$/;
export const accessWorkflowId = (grantId: string): string => `access/${grantId}`;
export const ACCESS_WORKFLOW_PREFIX = 'access/';
/** The role session name: CloudTrail shows it, and the revocation deny names it. */
export const sessionNameOf = (grantId: string): string => `nhi-${grantId}`;
/** The one-time Secrets Manager entry holding the encrypted credentials. */
export const handoffSecretName = (grantId: string): string => `nhi-enforce/access/${grantId}`;

/**
 * The revocation: a Deny of everything to one session of the role, and to no other (aws:userid of an assumed-role
 * session is `ROLEID:session-name`). AWS's revoke-all-sessions (aws:TokenIssueTime) would end every grant.
 */
export function sessionDenyOf(roleId: string, sessionName: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'NhiEnforceRevokeSession',
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { StringEquals: { 'aws:userid': `${roleId}:${sessionName}` } },
      },
    ],
  };
}
export const revokePolicyName = (grantId: string): string => `nhi-enforce-revoke-${grantId}`;

/** What the workflow records of a grant: never the credentials (they leave encrypted, through the entry). */
export interface AccessGrant {
  grantId: string;
  roleArn: string;
  roleId: string;
  sessionName: string;
  /** The assumed-role ARN CloudTrail shows for this session. */
  assumedRoleArn: string;
  issuedAt: string;
  expiresAt: string;
  durationSeconds: number;
  /** SHA-256 of the session policy sent to STS (canonical JSON). */
  policyHash: string;
  sessionPolicy: string;
  /** The one-time Secrets Manager entry the requester reads (and deletes) once. */
  handoffEntry: string;
}

/** The encrypted credentials in the handoff entry: X25519 → HKDF-SHA-256 → AES-256-GCM. */
export const SealedCredentials = z.strictObject({
  v: z.literal(1),
  alg: z.literal('X25519-HKDF-SHA256-AES256GCM'),
  /** The grant's ephemeral X25519 public key, hex. */
  epk: z.string().regex(/^[0-9a-f]{64}$/),
  iv: z.string().regex(/^[0-9a-f]{24}$/),
  tag: z.string().regex(/^[0-9a-f]{32}$/),
  ct: z.string().regex(/^[0-9a-f]+$/),
});
export type SealedCredentials = z.infer<typeof SealedCredentials>;

/** What the requester decrypts. */
export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: string;
}
