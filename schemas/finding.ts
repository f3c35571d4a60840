// The canonical Finding: what every adapter emits, whatever tool produced the input. Field names follow OCSF
// (Detection Finding, class 2004) in camelCase where OCSF has one: time, severity, confidence, resources, cloud,
// metadata.product → source, finding_info.types → kind, evidences → evidence.
import { z } from 'zod';
import { IdentityRef } from './identity.ts';

export const FORMATS = [
  'ocsf',
  'asff',
  'guardduty',
  'cloudtrail',
  'gitleaks',
  'trufflehog',
  'github-secret-scanning',
  'detect-secrets',
  'trivy',
  'sarif',
  'splunk-notable',
  'sentinel',
  'elastic-alert',
  'google-scc',
  'wiz',
  'checkov',
  'kube-bench',
  'scoutsuite',
] as const;
export const Format = z.enum(FORMATS);
export type Format = z.infer<typeof Format>;
export const FormatOrAuto = z.enum([...FORMATS, 'auto']);
export type FormatOrAuto = z.infer<typeof FormatOrAuto>;

/** The kind of tool each format comes from; it picks the findings topic when a producer does not say. */
export const FORMAT_SOURCE: Record<Format, 'scanner' | 'siem' | 'cspm'> = {
  gitleaks: 'scanner',
  trufflehog: 'scanner',
  'github-secret-scanning': 'scanner',
  'detect-secrets': 'scanner',
  trivy: 'scanner',
  sarif: 'scanner',
  cloudtrail: 'siem',
  'splunk-notable': 'siem',
  sentinel: 'siem',
  'elastic-alert': 'siem',
  guardduty: 'siem',
  ocsf: 'cspm',
  asff: 'cspm',
  'google-scc': 'cspm',
  wiz: 'cspm',
  checkov: 'cspm',
  'kube-bench': 'cspm',
  scoutsuite: 'cspm',
};

export const FindingKind = z.enum([
  'exposed-secret', // a credential value seen where it should not be (code, logs, public repo)
  'stale-credential', // not rotated within policy
  'unused-credential', // not used within policy
  'excess-privilege', // can do more than it needs (admin, wildcards, privilege escalation paths)
  'anomalous-use', // used in an unusual way (new ASN, console login without MFA, role chaining)
  'compromise-indicator', // a detector says it is likely compromised
  'misconfiguration', // posture issue that is not about one of the above
  'activity', // plain record of use (CloudTrail); feeds last-use and context, not risk by itself
]);
export type FindingKind = z.infer<typeof FindingKind>;

export const SeverityLabel = z.enum(['info', 'low', 'medium', 'high', 'critical']);
export type SeverityLabel = z.infer<typeof SeverityLabel>;

export const Severity = z.object({
  label: SeverityLabel,
  /** 0–100, mapped from the tool's own scale. */
  score: z.number().min(0).max(100),
});
export type Severity = z.infer<typeof Severity>;

export const Resource = z.object({
  uid: z.string().min(1),
  type: z.string().optional(),
  name: z.string().optional(),
  region: z.string().optional(),
  account: z.string().optional(),
});
export type Resource = z.infer<typeof Resource>;

export const Reference = z.object({
  kind: z.enum(['control', 'cwe', 'cve', 'rule', 'technique', 'url']),
  id: z.string().min(1),
});
export type Reference = z.infer<typeof Reference>;

/** Where a scanner saw a secret. */
export const Location = z.object({
  repo: z.string().optional(),
  file: z.string().optional(),
  line: z.number().int().optional(),
  commit: z.string().optional(),
  url: z.string().optional(),
});
export type Location = z.infer<typeof Location>;

/** A secret as we may keep it: never the value, only a keyed fingerprint and a masked hint. */
export const SecretRef = z.object({
  detector: z.string(),
  /** HMAC-SHA-256 of the value under the configured key (or of the tool's own hash when the value is absent). */
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  /** The same under the key being rotated out (NHI_FINGERPRINT_KEY_PREVIOUS), during a rotation window only. */
  previousFingerprint: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  /** e.g. "AKIA…(20)": first characters and length. */
  hint: z.string(),
  verified: z.boolean().optional(),
});
export type SecretRef = z.infer<typeof SecretRef>;

/**
 * open: the problem stands. resolved: the tool says it is gone (key deleted, alert closed, finding archived).
 * suppressed: a person or rule muted it (ASFF SUPPRESSED, SCC mute, Wiz REJECTED): closed for scoring and action,
 * its reason kept for reviewers. passed: the check now holds (ASFF Compliance PASSED, OCSF/Prowler PASS).
 */
export const FindingStatus = z.enum(['open', 'resolved', 'suppressed', 'passed']);
export type FindingStatus = z.infer<typeof FindingStatus>;

/** Every status but open closes: the finding no longer counts toward risk or action. */
export const isClosedStatus = (status: FindingStatus | undefined): boolean =>
  status !== undefined && status !== 'open';

const EvidenceValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const Finding = z.object({
  schemaVersion: z.literal(1),
  /** Stable: the same input record always gives the same id, so re-delivery dedups. */
  id: z.string().regex(/^f_[0-9a-f]{32}$/),
  source: z.object({
    format: Format,
    product: z.string(),
    vendor: z.string(),
    /** The tool's own id for the finding, when it has one. */
    nativeId: z.string().optional(),
    /** The shape or report mode the input had, `<format>/<variant>` (e.g. `asff/eventbridge`, `gitleaks/v7`). */
    variant: z
      .string()
      .regex(/^[a-z0-9-]+\/[a-z0-9.-]+$/)
      .optional(),
  }),
  kind: FindingKind,
  /** Where the tool says the finding stands; anything but open closes an open finding it matches (workflows/identity/state.ts). */
  status: FindingStatus,
  /** Why it is closed, as the tool says (a suppression's or dismissal's reason): kept for reviewers, redacted. */
  statusReason: z.string().max(500).optional(),
  /**
   * The check on its subject, stable across the tool's reports: a hash of format, the tool's rule or check id and
   * the resources (else identities) it concerns. A closing report matches an open one by native id or by this.
   * Set by the normaliser (check-key.ts) when the tool names a rule or check.
   */
  checkKey: z
    .string()
    .regex(/^ck_[0-9a-f]{32}$/)
    .optional(),
  title: z.string(),
  description: z.string().optional(),
  severity: Severity,
  /** 0–100 when the tool says how sure it is. */
  confidence: z.number().min(0).max(100).optional(),
  /** When the tool observed it, ISO 8601 UTC. */
  time: z.iso.datetime(),
  /**
   * When the report reached us: the Kafka message's timestamp, set by the consumer. A secret scanner reports an
   * old commit's time, yet its report is news; a new consumer group re-reading last quarter's topic is not. The
   * policy's maxFindingAgeForAction counts from the newer of this and `time` (risk/finding-age.ts).
   */
  reportedAt: z.iso.datetime().optional(),
  identities: z.array(IdentityRef),
  resources: z.array(Resource),
  cloud: z
    .object({ provider: z.string(), account: z.string().optional(), region: z.string().optional() })
    .optional(),
  location: Location.optional(),
  references: z.array(Reference),
  secret: SecretRef.optional(),
  /** A few redacted facts for a reviewer (source IP, API call, rule name). Flat on purpose. */
  evidence: z.record(z.string(), EvidenceValue),
});
export type Finding = z.infer<typeof Finding>;
