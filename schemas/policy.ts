// The enforcement policy: how risk is weighed, hygiene limits, exception limits, and the rules that turn a risk
// score into remediation. Schema only (pure, no YAML): workflow code may import it. Text → Policy lives in
// ./policy-file.ts. Strict objects: a misspelt key in a policy file is an error, not a silently ignored rule.
import { z } from 'zod';
import { protectedActionSchema } from './access.ts';
import { TEAM_ACTION_NAME } from './action-contract.ts';
import { ACTION_SUPPORT, notImplementedYet, PLANNED_ACTIONS } from './action-support.ts';
import { Duration } from './duration.ts';
import { FindingKind, Format } from './finding.ts';
import { IdentityType } from './identity.ts';

/** What a worker carries out (ACTION_SUPPORT), then the names known but not implemented by any worker yet. */
export const IMPLEMENTED_ACTIONS: readonly string[] = Object.keys(ACTION_SUPPORT);
export const BUILTIN_ACTIONS: readonly string[] = [...IMPLEMENTED_ACTIONS, ...PLANNED_ACTIONS];

/** A team's own remediation, registered with the action registry: `<team>/<action>`, e.g. `payments/rotate-stripe-key`. */
const TEAM_ACTION = TEAM_ACTION_NAME;

export const isBuiltinAction = (name: string): boolean => BUILTIN_ACTIONS.includes(name);
export const isActionName = (name: string): boolean => isBuiltinAction(name) || TEAM_ACTION.test(name);

export const ActionName = z.string().refine(isActionName, {
  message: `must be one of ${IMPLEMENTED_ACTIONS.join(', ')} or a team action "team/action-name" (${PLANNED_ACTIONS.map(notImplementedYet).join('; ')})`,
});
export type ActionName = string;

const Weight = z.number().min(0).max(1);

/** How much each risk factor counts: a factor's contribution is its points (0–100) × its weight. */
export const Weights = z.strictObject({
  /** Highest capability weight the identity can reach (directly or by assuming roles). */
  capability: Weight.default(0.5),
  /** How many sensitive capabilities and assumable roles beyond the top one. */
  breadth: Weight.default(0.1),
  /** An open exposed-secret finding (more when public or verified live). */
  exposure: Weight.default(0.35),
  /** Open compromise-indicator / anomalous-use findings. */
  compromise: Weight.default(0.45),
  /** Open excess-privilege / misconfiguration findings. */
  posture: Weight.default(0.1),
  /** Access key older than hygiene.maxKeyAgeDays. */
  keyAge: Weight.default(0.1),
  /** Not used for longer than hygiene.maxUnusedDays. */
  unused: Weight.default(0.05),
  /** Nobody owns it. */
  noOwner: Weight.default(0.05),
  /** A capability scoped to named resources counts this much of the same capability on all resources. */
  scopedCapability: Weight.default(0.5),
});
export type Weights = z.infer<typeof Weights>;

export const Hygiene = z.strictObject({
  maxKeyAgeDays: z.int().min(1).default(90),
  maxUnusedDays: z.int().min(1).default(90),
});
export type Hygiene = z.infer<typeof Hygiene>;

/** A group of people in the directory (schemas/directory.ts). */
export const GroupName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/, { message: 'must be lowercase letters, digits, dots, dashes' });

export const ExceptionLimits = z.strictObject({
  /** No exception may last longer than this. */
  maxDurationDays: z.int().min(1).max(366).default(30),
  /** Whose members may approve an exception (never its own requester, never the identity's owner). */
  approvers: z.array(GroupName).min(1).default(['security']),
  /** An exception request nobody approved within this closes by itself. */
  requestTimeout: Duration.default('72h'),
});
export type ExceptionLimits = z.infer<typeof ExceptionLimits>;

export const OnTimeout = z.union([
  z.enum(['cancel', 'auto']),
  /** Hand the request to this group: one approval from it then suffices, within one more timeout. */
  z.strictObject({ escalate: GroupName }),
]);
export type OnTimeout = z.infer<typeof OnTimeout>;

export const Approval = z.strictObject({
  /** Quorum per group, AND across groups: `{ security: 2, platform: 1 }` needs three distinct people. */
  groups: z.record(GroupName, z.int().min(1).max(20)).refine((g) => Object.keys(g).length > 0, {
    message: 'must name at least one group',
  }),
  /** How long the request stays open. */
  timeout: Duration.default('72h'),
  /** What happens when nobody decided in time: cancel (nothing acts), escalate to a group, or act (auto). */
  onTimeout: OnTimeout.default('cancel'),
  /** `any`: one rejection by a member of an approving group ends it; `quorum`: rejections need the quorum. */
  reject: z.enum(['any', 'quorum']).default('any'),
  /** Publish `approval.reminder` this often while the request waits. */
  remindEvery: Duration.optional(),
});
export type Approval = z.infer<typeof Approval>;

export const RuleCondition = z.strictObject({
  /** Fires when the identity's risk score is at least this. */
  minScore: z.number().min(0).max(100),
  /** …and it has an open finding of any of these kinds. */
  kinds: z.array(FindingKind).min(1).optional(),
  /** …and it is one of these types. */
  identityTypes: z.array(IdentityType).min(1).optional(),
});
export type RuleCondition = z.infer<typeof RuleCondition>;

/** What happens after an action: re-checks, drift, rollback window, and how scope-down is planned. */
export const RemediationSettings = z.strictObject({
  /** Delays between re-checks of an executed action's effect, in seconds; the last one repeats. */
  recheckEverySeconds: z.array(z.int().min(1)).min(1).default([3600, 21600, 86400]),
  /** On drift: act again (every action is idempotent) or only publish remediation.drifted. */
  onDrift: z.enum(['reenforce', 'alert']).default('reenforce'),
  /** How long an executed action can be rolled back (and is re-checked). */
  rollbackWindowHours: z
    .number()
    .positive()
    .max(24 * 366)
    .default(168),
  /** deny-unused: deny the sensitive actions never used; used-only: deny everything but the used actions. */
  scopeDown: z.enum(['deny-unused', 'used-only']).default('deny-unused'),
});
export type RemediationSettings = z.infer<typeof RemediationSettings>;
/** 12 digits, as AWS spells account ids. */
export const AccountId = z.string().regex(/^\d{12}$/, { message: 'must be a 12-digit AWS account id' });

/** How the worker reaches one account other than its own: a role it assumes there. */
export const AccountAccess = z.strictObject({
  /** arn:aws:iam::<that account>:role/<name>; its trust policy must name the worker's principal. */
  roleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, { message: 'must be an IAM role ARN' }),
  /** Passed as sts:AssumeRole ExternalId when the role's trust policy asks for one. */
  externalId: z.string().min(2).max(1224).optional(),
});
export type AccountAccess = z.infer<typeof AccountAccess>;

/** Who owns a user or role: the first of these tags it carries, else the owners file. Never a finding's claim. */
export const Ownership = z.strictObject({
  tagKeys: z.array(z.string().min(1)).min(1).default(['owner', 'Owner', 'team', 'Team', 'nhi:owner']),
  /** YAML/JSON map of identity ARN → owner, relative to the policy file; consulted when no tag says. */
  file: z.string().min(1).optional(),
});
export type Ownership = z.infer<typeof Ownership>;

/** Evidence archives: how often a Temporal Schedule exports evidence to S3, and where. */
export const EvidenceArchive = z.strictObject({
  /** Interval between exports: a number and a unit, s/m/h/d (e.g. 24h). */
  every: z.string().regex(/^\d+[smhd]$/, { message: 'must be a number and a unit s, m, h or d (e.g. 24h)' }),
  bucket: z.string().min(3),
  prefix: z.string().default('evidence/'),
});
export type EvidenceArchive = z.infer<typeof EvidenceArchive>;

/**
 * A rescan source that may close findings: complete results for scopes matching `scope` (`*` matches any run of
 * characters), arriving on `topic`, optionally only from one tool. A rescan header for any other scope, topic or
 * tool is a tool's claim: recorded by the scope's workflow, it closes nothing.
 */
export const RescanSource = z.strictObject({
  scope: z.string().min(1).max(500),
  topic: z.string().min(1),
  format: Format.optional(),
});
export type RescanSource = z.infer<typeof RescanSource>;

/** A catalogued protected action (schemas/access.ts): what a just-in-time grant covers, who asks, who approves. */
export const ProtectedAction = protectedActionSchema(Approval);
export type ProtectedAction = z.infer<typeof ProtectedAction>;

/** auto: act at once; approval: act once people approve; observe: plan and record, act on nothing (rollout). */
export const Mode = z.enum(['auto', 'approval', 'observe']);
export type Mode = z.infer<typeof Mode>;

export const Rule = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { message: 'must be lowercase letters, digits and dashes' }),
    description: z.string().optional(),
    when: RuleCondition,
    action: ActionName,
    /** A team action's parameters, checked against its registered schema (`nhi policy check`, and at run time). */
    params: z.record(z.string(), z.unknown()).optional(),
    /**
     * A team action whose worker does not pick a phase up within its schedule-to-start timeout: `wait` (default)
     * keeps waiting (an event says so each time), `fail` ends the remediation failed.
     */
    onNoWorker: z.enum(['wait', 'fail']).optional(),
    mode: Mode,
    approval: Approval.optional(),
    /**
     * Who may roll this rule's remediation back (`nhi rollback`, signed; never the identity's owner). Unset: the
     * rule's approval groups, or `security` for an automatic rule.
     */
    rollback: z.strictObject({ groups: z.array(GroupName).min(1) }).optional(),
    /**
     * Says that this rule may act with nobody's approval although its mode is `approval` (`onTimeout: auto`).
     * Without it `nhi policy check` (and the worker) report that as effective auto-approval (policy-meaning.ts).
     */
    autoApprove: z.boolean().optional(),
  })
  .superRefine((rule, ctx) => {
    if (rule.mode === 'approval' && !rule.approval) {
      ctx.addIssue({ code: 'custom', path: ['approval'], message: 'is required when mode is approval' });
    }
    if (isBuiltinAction(rule.action) && (rule.params || rule.onNoWorker)) {
      ctx.addIssue({
        code: 'custom',
        path: [rule.params ? 'params' : 'onNoWorker'],
        message: `is only for team actions; ${rule.action} is built in`,
      });
    }
    if (rule.mode === 'auto' && rule.approval) {
      ctx.addIssue({
        code: 'custom',
        path: ['approval'],
        message: 'is only allowed when mode is approval',
      });
    }
  });
export type Rule = z.infer<typeof Rule>;

/** Automatic remediations per hour; over the limit an automatic action waits or asks for approval. */
export const RateLimits = z.strictObject({
  /** Per cloud account (the identity's account, else the account in its ARN). Unset: no limit. */
  perAccountPerHour: z.int().min(0).optional(),
  /** Across all accounts. Unset: no limit. */
  globalPerHour: z.int().min(0).optional(),
  /** What an automatic action over the limit does: wait for a free slot, or become approval-required. */
  overLimit: z.enum(['wait', 'approval']).default('wait'),
});
export type RateLimits = z.infer<typeof RateLimits>;

/** N failures or verification misses within a window turn automatic actions into approval-required. */
export const CircuitBreaker = z.strictObject({
  failures: z.int().min(1).default(5),
  windowMinutes: z.number().positive().default(60),
  /** Closes by itself after this long without a failure (or by hand: `nhi enforcement resume`). */
  quietMinutes: z.number().positive().default(60),
});
export type CircuitBreaker = z.infer<typeof CircuitBreaker>;

/** Brakes on automatic enforcement; see risk/brakes.ts and workflows/control/. */
export const Enforcement = z.strictObject({
  /** observe: every rule plans and records, nothing acts (a whole-policy rollout switch). */
  mode: z.enum(['enforce', 'observe']).default('enforce'),
  /**
   * After a remediation ends rejected, expired, failed or refused, it is proposed again only when new risk moves
   * the score across the rule's threshold, and no sooner than this after it ended.
   */
  cooldownMinutes: z.number().min(0).default(1440),
  rateLimits: RateLimits.prefault({}),
  circuitBreaker: CircuitBreaker.prefault({}),
  /**
   * Never acted upon: ARN patterns (`*` matches any run of characters) for break-glass roles and the like. The
   * enforcer's own principal (the worker's AWS caller identity) is always protected.
   */
  protected: z.array(z.string().min(1)).default([]),
  /**
   * Who approves when a brake (breaker open, over a rate limit with `overLimit: approval`) turns an automatic
   * action approval-required. Unset: one approval from `security`, 72h, then cancel. `onTimeout: auto` is read as
   * cancel there: a brake never lets the action through by itself.
   */
  approval: Approval.optional(),
});
export type Enforcement = z.infer<typeof Enforcement>;

/**
 * Caps per Kafka message: one message must not fan out into unbounded work (signals, workflows, history), nor
 * hold its partition. A message over one is dead-lettered whole with a reason naming the limit. Environment
 * variables override them (consumers/decode-message.ts: NHI_MAX_*, NHI_MESSAGE_BUDGET_MS).
 */
export const MessageLimitsPolicy = z.strictObject({
  recordsPerMessage: z.number().int().positive().default(5_000),
  findingsPerMessage: z.number().int().positive().default(5_000),
  identitiesPerMessage: z.number().int().positive().default(500),
  /** Larger messages are refused before anything reads them. */
  messageBytes: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  /** Structure, checked without recursion before anything recursive sees a document (schemas/structure-limits.ts). */
  nestingDepth: z.number().int().min(2).max(1_000).default(64),
  keysPerObject: z.number().int().positive().default(10_000),
  stringChars: z
    .number()
    .int()
    .positive()
    .default(256 * 1024),
  /** Time to decode and normalise one message; over it, the message is dead-lettered (consumers/message-budget.ts). */
  messageBudgetMs: z.number().int().min(10).default(500),
});
export type MessageLimitsPolicy = z.infer<typeof MessageLimitsPolicy>;

/** How signed decisions are checked (schemas/decision-check.ts) and who signs the decisions no rule names. */
export const DecisionSettings = z.strictObject({
  /** A decision signed further than this from the workflow's time (before or after) is refused. */
  maxSkew: Duration.default('10m'),
  /** Pin the directory: decisions taken under a directory with another hash (`nhi keys hash`) are refused. */
  directoryHash: z
    .string()
    .regex(/^sha256:[0-9a-f]{64}$/, { message: 'must be sha256:<64 hex digits>' })
    .optional(),
  /** Who pauses and resumes enforcement (`nhi enforcement pause|resume`; resume also closes the breaker). */
  brakes: z.array(GroupName).min(1).default(['security']),
  /** Who may register or remove any team action, besides the team's own group (the name before the `/`). */
  registrants: z.array(GroupName).min(1).default(['security']),
  /** Who may re-propose an ended remediation (`nhi remediation retry`); never the identity's owner. */
  retriers: z.array(GroupName).min(1).default(['security']),
});
export type DecisionSettings = z.infer<typeof DecisionSettings>;

export const Policy = z
  .strictObject({
    version: z.literal(1),
    /** The directory of people, groups and public keys (relative to the policy file). */
    directory: z.string().min(1).optional(),
    weights: Weights.prefault({}),
    hygiene: Hygiene.prefault({}),
    exceptions: ExceptionLimits.prefault({}),
    remediation: RemediationSettings.prefault({}),
    /**
     * Accounts other than the worker's own it may act in, by account id. An identity in an account that is
     * neither the worker's own (sts:GetCallerIdentity) nor listed here is never acted upon.
     */
    accounts: z.record(AccountId, AccountAccess).default({}),
    ownership: Ownership.prefault({}),
    enforcement: Enforcement.prefault({}),
    decisions: DecisionSettings.prefault({}),
    /**
     * A finding older than this ("30d", "12h", "90m") is recorded and scored but never makes a rule fire
     * (risk/finding-age.ts). Unset: findings of any age may.
     */
    maxFindingAgeForAction: z
      .string()
      .regex(/^[1-9]\d*[dhm]$/, { message: 'must be a duration like 30d, 12h or 90m' })
      .optional(),
    limits: MessageLimitsPolicy.prefault({}),
    /** Evaluated in order; when two rules fire with the same action, the first one decides mode and approval. */
    rules: z.array(Rule),
    /** Actions identities may get back for a while, just in time (`nhi request`): see schemas/access.ts. */
    protectedActions: z.array(ProtectedAction).default([]),
    evidence: z.strictObject({ archive: EvidenceArchive.optional() }).optional(),
    /** The rescans that may close findings (consumers/rescan-report.ts, workflows/rescan/). None: none may. */
    rescans: z.array(RescanSource).default([]),
  })
  .superRefine((policy, ctx) => {
    const first = new Map<string, number>();
    policy.rules.forEach((rule, i) => {
      const seen = first.get(rule.id);
      if (seen === undefined) first.set(rule.id, i);
      else
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicates rules[${seen}].id` });
    });
    const names = new Map<string, number>();
    policy.protectedActions.forEach((a, i) => {
      const seen = names.get(a.name);
      if (seen === undefined) names.set(a.name, i);
      else
        ctx.addIssue({
          code: 'custom',
          path: ['protectedActions', i, 'name'],
          message: `duplicates protectedActions[${seen}].name`,
        });
    });
    for (const [account, access] of Object.entries(policy.accounts)) {
      const roleAccount = access.roleArn.split(':')[4];
      if (roleAccount !== account)
        ctx.addIssue({
          code: 'custom',
          path: ['accounts', account, 'roleArn'],
          message: `names a role in account ${roleAccount}, not ${account}`,
        });
    }
  });
export type Policy = z.infer<typeof Policy>;
export type PolicyInput = z.input<typeof Policy>;

/** The built-in defaults for everything but rules. */
export const DEFAULT_WEIGHTS: Weights = Weights.parse({});
export const DEFAULT_HYGIENE: Hygiene = Hygiene.parse({});
export const DEFAULT_ENFORCEMENT: Enforcement = Enforcement.parse({});
export const DEFAULT_DECISIONS: DecisionSettings = DecisionSettings.parse({});

export class PolicyError extends Error {
  override readonly name = 'PolicyError';
}

type Issue = z.core.$ZodIssue;

const show = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
};

/** `rules[2](scope-down).when.minScore`: the rule id helps a reader find the entry. */
function pathOf(path: readonly PropertyKey[], input: unknown): string {
  let out = '';
  let node: unknown = input;
  for (const [depth, key] of path.entries()) {
    if (typeof key === 'number') {
      out += `[${key}]`;
      node = Array.isArray(node) ? node[key] : undefined;
      const id = (node as { id?: unknown } | undefined)?.id;
      const name = (node as { name?: unknown } | undefined)?.name;
      if (depth === 1 && path[0] === 'rules' && typeof id === 'string' && id) out += `(${id})`;
      if (depth === 1 && path[0] === 'protectedActions' && typeof name === 'string' && name)
        out += `(${name})`;
    } else {
      out += out ? `.${String(key)}` : String(key);
      node = node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
    }
  }
  return out;
}

function messageOf(issue: Issue): string {
  const got = 'input' in issue && issue.input !== undefined ? ` (got ${show(issue.input)})` : '';
  switch (issue.code) {
    case 'invalid_type': {
      if (!got) return 'is required';
      const what =
        issue.expected === 'array'
          ? 'a list'
          : /^[aeiou]/.test(issue.expected)
            ? `an ${issue.expected}`
            : `a ${issue.expected}`;
      return `must be ${what}${got}`;
    }
    case 'too_big':
      return `must be at most ${String(issue.maximum)}${issue.inclusive ? '' : ' (exclusive)'}${got}`;
    case 'too_small':
      if (issue.origin === 'array' || issue.origin === 'string') {
        return Number(issue.minimum) <= 1
          ? 'must not be empty'
          : `needs at least ${String(issue.minimum)} items`;
      }
      return `must be at least ${String(issue.minimum)}${issue.inclusive ? '' : ' (exclusive)'}${got}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${show(issue.values[0])}${got}`
        : `must be one of ${issue.values.map((v) => String(v)).join(', ')}${got}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
    case 'custom':
      // Object-level refinements report the whole object as input: only name a plain value.
      return typeof issue.input === 'object' ? issue.message : `${issue.message}${got}`;
    default:
      return `${issue.message}${got}`;
  }
}

/** All issues as one line: `policies/default.yaml: rules[1](scope-down).approval: is required when mode is approval`. */
export function formatPolicyIssues(issues: readonly Issue[], fileName: string, input?: unknown): string {
  const parts = issues.slice(0, 3).map((issue) => {
    const where = pathOf(issue.path, input);
    return where ? `${where}: ${messageOf(issue)}` : messageOf(issue);
  });
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
  return `${fileName}: ${parts.join('; ')}${more}`;
}

export type PolicyParseResult = { ok: true; policy: Policy } | { ok: false; error: string };

/** Validate an already-parsed value (from YAML, JSON or code); errors are one readable line. */
export function safeParsePolicy(value: unknown, fileName = 'policy'): PolicyParseResult {
  const parsed = Policy.safeParse(value, { reportInput: true });
  return parsed.success
    ? { ok: true, policy: parsed.data }
    : { ok: false, error: formatPolicyIssues(parsed.error.issues, fileName, value) };
}

/** Like safeParsePolicy, throwing PolicyError. */
export function parsePolicy(value: unknown, fileName = 'policy'): Policy {
  const result = safeParsePolicy(value, fileName);
  if (!result.ok) throw new PolicyError(result.error);
  return result.policy;
}
