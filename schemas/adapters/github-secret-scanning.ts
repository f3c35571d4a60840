// GitHub secret scanning: the `secret_scanning_alert` (and `secret_scanning_alert_location`) webhook payload
// {action, alert, repository, organization, sender} and the REST "list secret scanning alerts" answer (an array
// of alerts; the org/enterprise endpoints add alert.repository).
//
// Kind: exposed-secret.
// Severity (GitHub has no severity; its validity check is a verification):
//   validity "active" → critical 95 · "inactive" → low 30 · publicly_leaked (validity unknown) → high 75 ·
//   otherwise → medium 50.
// Status: alert.state "resolved" → resolved, or suppressed when its resolution is false_positive, wont_fix or
//   used_in_tests (the resolution as the reason; its comment is not copied); without a state (webhooks) action resolved/revoked → resolved,
//   created/reopened/validated/… → open. A `reopened` webhook is observed at its updated_at, with its own id. A state change is a new finding (state is part of the id), a re-delivery
//   of the same state is not.
// Time: resolved → resolved_at; else created_at; then updated_at. The webhook payloads of older GitHub versions
//   (and octokit's examples) carry no alert time at all: then repository.updated_at — the latest time the payload
//   holds, a lower bound of the event's time since webhooks are sent as the event happens — then pushed_at.
//
// Secrets: alert.secret is the value (REST; `is_base64_encoded` → decoded too): registered with the scrubber,
// fingerprinted (HMAC) and masked, never copied. An AWS alert's access key id (the value of aws_access_key_id and
// aws_temporary_access_key_id alerts, or the id part of a pair's value) is an identifier, not a secret: the finding
// names `aws:access-key:AKIA…` too, the secret's owner. Without it (webhooks), the fingerprint is HMAC of
// repo + alert number (the tool's own id for that secret). Free-text comments (resolution_comment,
// push_protection_bypass_request_comment) are never copied: people paste secrets into them.
import { z } from 'zod';
import type { Finding, Resource, Severity } from '../finding.ts';
import type { IdentityRef } from '../identity.ts';
import { awsAccessKeyIdentity, isAccessKeyId } from '../identity-keys.ts';
import { type Adapter, type NormalizeContext, RecordSkipped } from './adapter.ts';
import { buildFinding } from './build.ts';
import {
  decodeBase64Text,
  exposedSecretSeverity,
  nonEmpty,
  observedTime,
  registerSecret,
  registerWithEncodings,
  secretParts,
} from './secret-common.ts';
import { findingId, isObject, parseRecord } from './util.ts';

const Str = z.string().nullable().optional();
const Bool = z.boolean().nullable().optional();
const User = z.object({ login: Str }).nullable().optional();
const Repo = z
  .object({ full_name: Str, html_url: Str, updated_at: Str, pushed_at: Str, private: Bool })
  .nullable()
  .optional();
const LocationDetails = z
  .object({
    path: Str,
    start_line: z.number().nullable().optional(),
    commit_sha: Str,
    blob_url: Str,
    html_url: Str,
  })
  .nullable()
  .optional();

const SUPPRESSING = new Set(['false_positive', 'wont_fix', 'used_in_tests']);

const Alert = z.object({
  number: z.number(),
  secret_type: z.string(),
  secret_type_display_name: Str,
  secret: Str,
  is_base64_encoded: Bool,
  state: Str,
  resolution: Str,
  resolved_at: Str,
  resolved_by: User,
  created_at: Str,
  updated_at: Str,
  html_url: Str,
  url: Str,
  validity: Str,
  publicly_leaked: Bool,
  multi_repo: Bool,
  push_protection_bypassed: Bool,
  push_protection_bypassed_by: User,
  first_location_detected: LocationDetails,
  repository: Repo,
});
type Alert = z.infer<typeof Alert>;

const Webhook = z.object({
  action: z.string(),
  alert: Alert,
  repository: Repo,
  organization: z.object({ login: Str }).nullable().optional(),
  sender: User,
  location: z.object({ type: Str, details: LocationDetails }).nullable().optional(),
});

type RepoT = z.infer<typeof Repo>;

function repoName(alert: Alert, repo: RepoT): string | undefined {
  return (
    nonEmpty(alert.repository?.full_name) ??
    nonEmpty(repo?.full_name) ??
    /github\.com\/([^/]+\/[^/]+)\/security\//.exec(alert.html_url ?? '')?.[1] ??
    /\/repos\/([^/]+\/[^/]+)\/secret-scanning\//.exec(alert.url ?? '')?.[1]
  );
}

function severityOf(alert: Alert): { severity: Severity; verified?: boolean } {
  const validity = alert.validity?.toLowerCase();
  if (validity === 'active') return { severity: exposedSecretSeverity(true), verified: true };
  if (validity === 'inactive') return { severity: exposedSecretSeverity(false, true), verified: false };
  if (alert.publicly_leaked) return { severity: { label: 'high', score: 75 } };
  return { severity: exposedSecretSeverity(undefined) };
}

function normalizeAlert(
  alert: Alert,
  ctx: NormalizeContext,
  hook?: {
    action: string;
    repository: RepoT;
    org?: string;
    sender?: string;
    location?: z.infer<typeof LocationDetails>;
  },
): Finding {
  // The value, and its decoded form when GitHub says it was found base64-encoded.
  let plaintext = nonEmpty(alert.secret);
  if (plaintext) {
    registerSecret(ctx, plaintext);
    const decoded = alert.is_base64_encoded ? decodeBase64Text(plaintext.trim()) : undefined;
    if (decoded) {
      registerWithEncodings(ctx, decoded, plaintext);
      plaintext = decoded;
    }
  }

  const repository = alert.repository ?? hook?.repository;
  const repo = repoName(alert, repository);
  const detector = alert.secret_type;
  const { severity, verified } = severityOf(alert);
  const parts = secretParts(ctx, {
    detector,
    plaintext,
    fallback: ['github-secret-scanning', repo ?? alert.html_url ?? alert.url ?? undefined, alert.number],
    ...(verified !== undefined ? { verified } : {}),
  });

  const identities: IdentityRef[] = [parts.identity];
  const keyId = awsAccessKeyIdOf(alert, plaintext);
  if (keyId) {
    const key = awsAccessKeyIdentity(keyId);
    parts.identity.owner = key.key;
    identities.push(key);
  }

  const action = hook?.action;
  const state = alert.state?.toLowerCase();
  const resolved = state
    ? state === 'resolved'
    : action === 'resolved' ||
      action === 'revoked' ||
      (action === undefined && nonEmpty(alert.resolution) !== undefined);
  // GitHub's resolutions: revoked (the provider killed it), pattern_edited/deleted → resolved; false_positive,
  // wont_fix, used_in_tests → suppressed (someone decided not to act; the secret may still work), reason kept.
  const resolution = nonEmpty(alert.resolution)?.toLowerCase();
  const status = !resolved ? 'open' : resolution && SUPPRESSING.has(resolution) ? 'suppressed' : 'resolved';
  // The resolution only: its comment is a person's free text, never copied.
  const statusReason = resolved && resolution ? resolution : undefined;
  // A reopen is a new observation after the resolution: its own id and time, so it is not taken for the first
  // report (already closed) nor for a report that the resolution overtook.
  const reopenedAt = !resolved && action === 'reopened' ? (alert.updated_at ?? undefined) : undefined;
  const { time, known } = observedTime(
    ctx,
    resolved ? alert.resolved_at : reopenedAt,
    alert.created_at,
    alert.updated_at,
    alert.resolved_at,
    repository?.updated_at,
    repository?.pushed_at,
  );

  const loc = hook?.location ?? alert.first_location_detected;
  const file = nonEmpty(loc?.path);
  const line =
    typeof loc?.start_line === 'number' && Number.isInteger(loc.start_line) ? loc.start_line : undefined;
  const commit = nonEmpty(loc?.commit_sha);
  const resources: Resource[] = [];
  if (repo) resources.push({ uid: repo, type: 'github-repository', name: repo });
  if (file) resources.push({ uid: file, type: 'file', name: file });
  const display = nonEmpty(alert.secret_type_display_name) ?? detector;
  const nativeId = `${repo ?? ''}#${alert.number}`;

  return buildFinding({
    id: findingId(
      'github-secret-scanning',
      repo ?? alert.html_url ?? alert.url ?? undefined,
      alert.number,
      resolved ? 'resolved' : 'open', // the id predates suppressed; a resolution's kind does not make it new
      ...(reopenedAt ? ['reopened', reopenedAt] : []),
    ),
    source: {
      format: 'github-secret-scanning',
      product: 'GitHub secret scanning',
      vendor: 'GitHub',
      nativeId,
    },
    kind: 'exposed-secret',
    status,
    ...(statusReason ? { statusReason } : {}),
    title: `${display} exposed${repo ? ` in ${repo}` : ''}`,
    severity,
    time,
    identities,
    resources,
    location: {
      ...(repo ? { repo } : {}),
      ...(file ? { file } : {}),
      ...(line !== undefined ? { line } : {}),
      ...(commit ? { commit } : {}),
      ...(nonEmpty(alert.html_url) ? { url: alert.html_url! } : {}),
    },
    references: [{ kind: 'rule', id: detector }],
    secret: parts.secret,
    evidence: {
      alertNumber: alert.number,
      secretType: display,
      ...(action ? { action } : {}),
      ...(nonEmpty(alert.validity) ? { validity: alert.validity! } : {}),
      ...(typeof alert.publicly_leaked === 'boolean' ? { publiclyLeaked: alert.publicly_leaked } : {}),
      ...(nonEmpty(alert.resolution) ? { resolution: alert.resolution! } : {}),
      ...(nonEmpty(alert.resolved_by?.login) ? { resolvedBy: alert.resolved_by!.login! } : {}),
      ...(alert.push_protection_bypassed ? { pushProtectionBypassed: true } : {}),
      ...(nonEmpty(alert.push_protection_bypassed_by?.login)
        ? { pushProtectionBypassedBy: alert.push_protection_bypassed_by!.login! }
        : {}),
      ...(hook?.sender ? { actor: hook.sender } : {}),
      ...(hook?.org ? { organization: hook.org } : {}),
      ...(file ? { location: line !== undefined ? `${file}:${line}` : file } : {}),
      ...(known ? {} : { timeUnknown: true }),
    },
  });
}

/** AWS's secret types (GitHub's supported-patterns list): the key id ones carry the id itself as the secret. */
const AWS_KEY_ID_TYPES = new Set(['aws_access_key_id', 'aws_temporary_access_key_id']);
const KEY_ID_IN_TEXT = /(?<![A-Z0-9])((?:AKIA|ASIA)[A-Z0-9]{16})(?![A-Z0-9])/;

/**
 * The AWS access key id an alert carries: the value of an `aws_access_key_id` / `aws_temporary_access_key_id`
 * alert is the id (the public half of the pair, an identifier, not a secret), and a pair's value written together
 * (`AKIA…:secret`, `AKIA… secret`) holds it too. The secret access key never becomes an identity.
 */
function awsAccessKeyIdOf(alert: Alert, plaintext: string | undefined): string | undefined {
  const value = plaintext?.trim();
  if (!value || !/^aws_/.test(alert.secret_type)) return undefined;
  if (AWS_KEY_ID_TYPES.has(alert.secret_type) && isAccessKeyId(value)) return value;
  const found = KEY_ID_IN_TEXT.exec(value)?.[1];
  return found && isAccessKeyId(found) ? found : undefined;
}

const isAlert = (o: unknown): boolean =>
  isObject(o) &&
  typeof o.number === 'number' &&
  typeof o.secret_type === 'string' &&
  ('state' in o || 'secret' in o || 'resolution' in o || 'locations_url' in o || 'validity' in o);
const isWebhook = (o: unknown): boolean =>
  isObject(o) && typeof o.action === 'string' && isObject(o.alert) && isAlert(o.alert);

/**
 * GitHub's other secret scanning payloads, named and read as zero findings: the `secret_scanning_scan` webhook (a
 * scan finished: its type, source and secret types, no alert) and the REST "list locations for an alert" answer
 * (`[{type: commit|wiki_commit|issue_title|…, details}]`, where a secret was seen, without the alert it belongs to:
 * send the alert, or the `secret_scanning_alert_location` webhook, which carries both).
 */
const isScanWebhook = (o: unknown): boolean =>
  isObject(o) &&
  typeof o.action === 'string' &&
  Array.isArray(o.secret_types) &&
  typeof o.type === 'string' &&
  !('alert' in o);
const LOCATION_TYPES =
  /^(commit|wiki_commit|issue_(title|body|comment)|discussion_(title|body|comment)|pull_request_(title|body|comment|review|review_comment))$/;
const isLocation = (o: unknown): boolean =>
  isObject(o) && typeof o.type === 'string' && LOCATION_TYPES.test(o.type) && isObject(o.details);
const isLocationList = (doc: unknown): boolean => Array.isArray(doc) && doc.length > 0 && isLocation(doc[0]);

export const githubSecretScanningAdapter: Adapter = {
  format: 'github-secret-scanning',
  signature:
    'secret_scanning_alert webhook {action, alert:{number, secret_type}} or REST alert list [{number, secret_type, state}]',
  detect: (doc) =>
    Array.isArray(doc)
      ? doc.length > 0 && (isAlert(doc[0]) || isLocation(doc[0]))
      : isAlert(doc) || isWebhook(doc) || isScanWebhook(doc),
  records: (doc) => (Array.isArray(doc) && !isLocationList(doc) ? doc : [doc]),
  variant: (doc) =>
    isWebhook(doc)
      ? 'webhook'
      : isScanWebhook(doc)
        ? 'webhook-scan'
        : isLocationList(doc)
          ? 'rest-locations'
          : Array.isArray(doc)
            ? 'rest-alerts'
            : 'rest-alert',
  normalize: (record, ctx) => {
    if (isScanWebhook(record))
      throw new RecordSkipped(
        'github-secret-scanning: secret_scanning_scan webhook (a scan completed; it names no alert): skipped',
      );
    if (isLocationList(record))
      throw new RecordSkipped(
        "github-secret-scanning: REST list of an alert's locations (no alert in it: send the alert, or the secret_scanning_alert_location webhook): skipped",
      );
    if (isObject(record) && 'action' in record && 'alert' in record) {
      const hook = parseRecord(Webhook, record, 'GitHub secret scanning webhook');
      return [
        normalizeAlert(hook.alert, ctx, {
          action: hook.action,
          repository: hook.repository,
          org: nonEmpty(hook.organization?.login),
          sender: nonEmpty(hook.sender?.login),
          location: hook.location?.details,
        }),
      ];
    }
    return [normalizeAlert(parseRecord(Alert, record, 'GitHub secret scanning alert'), ctx)];
  },
};
