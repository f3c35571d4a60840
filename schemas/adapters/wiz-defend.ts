// Wiz Defend (runtime and cloud threat detection) shapes, mapped onto the Wiz issue node shape that wiz.ts reads:
//   - the Detections webhook (`{trigger: {source: "DETECTIONS"}, id, title, severity, createdAt, primaryActor,
//     primaryResource, triggeringEvent, mitreTactics, …}`), one detection per call;
//   - GraphQL `detections` nodes (`{id, type: MATCH_ONLY | GENERATED_THREAT, ruleMatch: {rule}, primaryActor,
//     primaryResource, createdAt, updatedAt, …}`).
// A detection is a rule firing on what an actor did: kind compromise-indicator (anomalous-use when the rule's name
// speaks of unusual use), as for a Wiz threat-detection issue. The actor is the entity when Wiz names it as an
// identity we can key (an access key id, a principal ARN, a service account…); otherwise the primary resource is.
// Wiz Defend threats are issues of type THREAT_DETECTION and are read as issues.
//
// Refused, named: a Wiz audit log entry (`{id, action, requestId, status, timestamp, user | serviceAccount}`), Wiz's
// own trail of what its users did in Wiz, not a finding about a cloud identity.
import { isObject } from './util.ts';

type Doc = Record<string, unknown>;

export const isWizDetectionWebhook = (doc: Doc): boolean =>
  isObject(doc.trigger) && doc.trigger.source === 'DETECTIONS' && typeof doc.id === 'string';

export const isWizDetectionNode = (doc: Doc): boolean =>
  typeof doc.id === 'string' &&
  isObject(doc.ruleMatch) &&
  ('primaryResource' in doc || 'primaryActor' in doc) &&
  'createdAt' in doc;

export const isWizDetection = (doc: Doc): boolean => isWizDetectionWebhook(doc) || isWizDetectionNode(doc);

export const isWizAuditLog = (doc: Doc): boolean =>
  typeof doc.id === 'string' &&
  typeof doc.action === 'string' &&
  'timestamp' in doc &&
  'requestId' in doc &&
  ('user' in doc || 'serviceAccount' in doc);

const s = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

const PLATFORM_WORDS: Array<[RegExp, string]> = [
  [/entra|azure/i, 'Azure'],
  [/^aws|#iam|iam ?(user|role)/i, 'AWS'],
  [/gcp|google/i, 'GCP'],
  [/kubernetes|k8s/i, 'Kubernetes'],
];

/** A detection's primary actor as a Wiz entity (the shape entitySnapshot has). */
function actorEntity(actor: Doc, fallbackPlatform: string | undefined): Doc {
  const account = isObject(actor.cloudAccount) ? actor.cloudAccount : {};
  const native = s(actor.nativeType) ?? '';
  return {
    id: s(actor.id),
    type: s(actor.type),
    nativeType: s(actor.nativeType),
    name: s(actor.name),
    providerId: s(actor.providerUniqueId),
    // An access key id is what the actor used: the identity to key on when Wiz names it.
    externalId: s(actor.accessKeyId) ?? s(actor.externalId),
    cloudPlatform:
      s(account.cloudPlatform) ?? PLATFORM_WORDS.find(([re]) => re.test(native))?.[1] ?? fallbackPlatform,
    subscriptionExternalId: s(account.externalId),
  };
}

function resourceEntity(res: Doc, platform: string | undefined, accountId: string | undefined): Doc {
  const account = isObject(res.cloudAccount) ? res.cloudAccount : {};
  return {
    id: s(res.id),
    type: s(res.type),
    nativeType: s(res.nativeType),
    name: s(res.name),
    providerId: s(res.providerUniqueId),
    externalId: s(res.externalId),
    region: s(res.region),
    cloudPlatform: s(account.cloudPlatform) ?? platform,
    subscriptionExternalId: s(account.externalId) ?? accountId,
  };
}

/**
 * A detection (webhook or GraphQL node) → the issue node shape. `isIdentity` tells whether an entity names an
 * identity (wiz.ts's rule), so the actor is kept only when it does and the resource is kept otherwise.
 */
export function detectionAsIssue(doc: Doc, isIdentity: (entity: Doc) => boolean): Doc {
  const rule = isObject(doc.ruleMatch) && isObject(doc.ruleMatch.rule) ? doc.ruleMatch.rule : {};
  const firstAccount =
    Array.isArray(doc.cloudAccounts) && isObject(doc.cloudAccounts[0]) ? doc.cloudAccounts[0] : {};
  const firstOrg =
    Array.isArray(doc.cloudOrganizations) && isObject(doc.cloudOrganizations[0])
      ? doc.cloudOrganizations[0]
      : {};
  const resource = isObject(doc.primaryResource) ? doc.primaryResource : undefined;
  const resourceAccount = resource && isObject(resource.cloudAccount) ? resource.cloudAccount : {};
  const platform =
    s(resourceAccount.cloudPlatform) ?? s(firstAccount.cloudProvider) ?? s(firstOrg.cloudProvider);
  const actor = isObject(doc.primaryActor) ? actorEntity(doc.primaryActor, platform) : undefined;
  const entity =
    actor && isIdentity(actor)
      ? actor
      : resource
        ? resourceEntity(resource, platform, s(firstAccount.externalId))
        : actor;
  const title = s(doc.title) ?? s(rule.name) ?? 'Wiz Defend detection';
  return {
    id: doc.id,
    type: 'THREAT_DETECTION',
    status: 'OPEN',
    severity: doc.severity,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt ?? doc.createdAt,
    findingTitle: title,
    link: s(doc.detectionUrl) ?? s(doc.threatURL),
    sourceRule: {
      __typename: 'CloudEventRule',
      id: s(rule.id) ?? s(doc.tdrId) ?? s(doc.threatId),
      name: s(rule.name) ?? title,
      description: s(doc.description),
      securitySubCategories: Array.isArray(rule.securitySubCategories)
        ? rule.securitySubCategories
        : undefined,
    },
    entitySnapshot: entity,
  };
}

/** Why a Wiz audit log entry is refused: named, with its action. */
export function wizAuditLogRefusal(doc: Doc, quote: (v: unknown, max: number) => string): string {
  return `wiz: a Wiz audit log entry (action ${quote(doc.action, 60)}): Wiz's own record of what its users did in Wiz, not a finding about a cloud identity: not read`;
}
