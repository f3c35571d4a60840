// Canonical identity keys from the ids tools write. Pure: no lookups (linking a key to its owner when the
// finding does not say is identity resolution's job, in activities/).
import type { IdentityRef } from './identity.ts';
import { secretShapesIn } from './secret-shapes.ts';

const ARN = /^arn:(aws[a-z-]*):(iam|sts)::(\d{12}|[^:]*):(.+)$/;

/** An AWS principal ARN → identity. Assumed-role sessions resolve to their role (session kept as alias). */
export function awsIdentityFromArn(
  arn: string,
  opts: { issuerArn?: string; aliases?: string[] } = {},
): IdentityRef | undefined {
  const m = ARN.exec(arn.trim());
  if (!m) return undefined;
  const [, partition, service, account, rest] = m as unknown as [string, string, string, string, string];
  const aliases = [...(opts.aliases ?? [])];
  if (rest === 'root') {
    return {
      key: `arn:${partition}:iam::${account}:root`,
      type: 'aws-root',
      provider: 'aws',
      account,
      name: 'root',
      aliases,
    };
  }
  const [resourceType, ...parts] = rest.split('/');
  const name = parts.at(-1);
  if (service === 'iam' && resourceType === 'user' && name) {
    return { key: arn, type: 'aws-user', provider: 'aws', account, name, aliases };
  }
  if (service === 'iam' && resourceType === 'role' && name) {
    return { key: arn, type: 'aws-role', provider: 'aws', account, name, aliases };
  }
  if (service === 'sts' && resourceType === 'assumed-role' && parts.length >= 2) {
    // The session ARN drops the role's path; the issuer ARN (CloudTrail sessionContext) keeps it.
    const roleName = parts[0]!;
    const issuer = opts.issuerArn && ARN.test(opts.issuerArn) ? opts.issuerArn : undefined;
    return {
      key: issuer ?? `arn:${partition}:iam::${account}:role/${roleName}`,
      type: 'aws-role',
      provider: 'aws',
      account,
      name: roleName,
      aliases: [arn, ...aliases],
    };
  }
  if (service === 'sts' && resourceType === 'federated-user' && name) {
    return { key: arn, type: 'principal', provider: 'aws', account, name, aliases };
  }
  return undefined;
}

/** Long-term (AKIA) and temporary (ASIA) access key ids; AIDA/AROA unique ids are aliases, not keys. */
export const isAccessKeyId = (id: string): boolean => /^(AKIA|ASIA)[A-Z0-9]{12,}$/.test(id);

/** `aws:access-key:AKIA…`, linked to its owner's key when the finding names it. */
export function awsAccessKeyIdentity(
  accessKeyId: string,
  owner?: IdentityRef,
  account?: string,
): IdentityRef {
  return {
    key: `aws:access-key:${accessKeyId}`,
    type: 'aws-access-key',
    provider: 'aws',
    account: account ?? owner?.account,
    name: accessKeyId,
    aliases: [],
    ...(owner ? { owner: owner.key } : {}),
  };
}

export function gcpServiceAccountIdentity(email: string): IdentityRef {
  const project = /@([^.]+)\.iam\.gserviceaccount\.com$/.exec(email)?.[1];
  return {
    key: `gcp:service-account:${email.toLowerCase()}`,
    type: 'gcp-service-account',
    provider: 'gcp',
    account: project,
    name: email,
    aliases: [],
  };
}

export function azurePrincipalIdentity(
  principalId: string,
  opts: { name?: string; tenant?: string } = {},
): IdentityRef {
  return {
    key: `azure:principal:${principalId.toLowerCase()}`,
    type: 'azure-principal',
    provider: 'azure',
    account: opts.tenant,
    name: opts.name,
    aliases: [],
  };
}

export function k8sServiceAccountIdentity(namespace: string, name: string, cluster?: string): IdentityRef {
  const scope = cluster ? `${cluster}/${namespace}` : namespace;
  return {
    key: `k8s:serviceaccount:${scope}/${name}`,
    type: 'k8s-service-account',
    provider: 'kubernetes',
    account: cluster,
    name,
    aliases: [],
  };
}

/** A scanner's secret: detector + fingerprint, so the same secret seen by two scanners is one identity. */
export function secretIdentity(
  detector: string,
  fingerprintHex: string,
  provider: IdentityRef['provider'] = 'generic',
): IdentityRef {
  const slug =
    detector
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'secret';
  return {
    key: `secret:${slug}:${fingerprintHex.slice(0, 16)}`,
    type: 'secret',
    provider,
    name: detector,
    aliases: [],
  };
}

export function principalIdentity(
  provider: IdentityRef['provider'],
  name: string,
  account?: string,
): IdentityRef {
  return { key: `principal:${provider}:${name}`, type: 'principal', provider, account, name, aliases: [] };
}

/** One entry per key, aliases and missing fields merged: tools often name one identity twice. */
export function mergeIdentities(list: Array<IdentityRef | undefined>): IdentityRef[] {
  const byKey = new Map<string, IdentityRef>();
  for (const id of list) {
    if (!id) continue;
    const seen = byKey.get(id.key);
    if (!seen) {
      byKey.set(id.key, { ...id, aliases: [...new Set(id.aliases)].filter((a) => a !== id.key) });
      continue;
    }
    const aliases = [...new Set([...seen.aliases, ...id.aliases])].filter((a) => a !== id.key);
    byKey.set(id.key, {
      ...id,
      ...seen,
      aliases,
      owner: seen.owner ?? id.owner,
      account: seen.account ?? id.account,
      name: seen.name ?? id.name,
    });
  }
  return [...byKey.values()];
}

/**
 * Why a key given from outside the normaliser (a command's argument, an access request's terms) may not name an
 * identity: it holds a credential shape (a token pasted where the identity goes). Identity workflow ids are built
 * from keys and sit outside payload encryption, so such a key is refused before any id is made of it; the
 * normaliser gives keys it reads a fingerprint instead (schemas/normalize.ts). The reason never repeats the key.
 */
export function identityKeyProblem(key: string): string | undefined {
  const shapes = secretShapesIn(key);
  if (shapes.length === 0) return undefined;
  return `the identity key holds a credential shape (${shapes.join(', ')}): name the identity by its ARN or key id, never by a secret`;
}
