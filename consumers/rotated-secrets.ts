// Fingerprint key rotation without splitting identities. A secret's identity is keyed by its fingerprint
// (`secret:<family>:<fp prefix>`), and the fingerprint depends on NHI_FINGERPRINT_KEY. During a rotation window
// (NHI_FINGERPRINT_KEY_PREVIOUS set) the normaliser keys the secret under the new key and names its key under the
// old one as an alias. Here, before findings are grouped by identity: when an identity workflow under the old key
// exists, the secret keeps that identity (the new key becomes its alias), so its findings, score, exceptions and
// remediations stay in one place. A secret first seen in the window has no old identity and starts under the new
// key. Checks of Temporal are cached: one lookup per secret per process.
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Finding } from '../schemas/finding.ts';
import type { IdentityRef } from '../schemas/identity.ts';
import { identityWorkflowId } from '../workflows/identity/definitions.ts';

/** Whether an identity workflow exists under this identity key. */
export type IdentityExists = (key: string) => Promise<boolean>;

/** The secret's key under the previous fingerprint key, when the normaliser named one (a rotation window). */
function previousKeyOf(f: Finding, identity: IdentityRef): string | undefined {
  const previous = f.secret?.previousFingerprint;
  if (!previous || identity.type !== 'secret') return undefined;
  const suffix = `:${previous.slice(0, 16)}`;
  return identity.aliases?.find((a) => a.startsWith('secret:') && a.endsWith(suffix));
}

/** The same identity under its old key, the new key kept as an alias. */
function underOldKey(identity: IdentityRef, oldKey: string): IdentityRef {
  const aliases = [identity.key, ...(identity.aliases ?? []).filter((a) => a !== oldKey)];
  return { ...identity, key: oldKey, aliases };
}

/** Findings whose secret is already known under the previous key are moved onto that identity; others unchanged. */
export async function keepRotatedSecretsTogether(
  findings: readonly Finding[],
  exists: IdentityExists,
): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const f of findings) {
    if (!f.secret?.previousFingerprint) {
      out.push(f);
      continue;
    }
    let moved = false;
    const identities: IdentityRef[] = [];
    for (const identity of f.identities) {
      const oldKey = previousKeyOf(f, identity);
      if (oldKey && (await exists(oldKey))) {
        identities.push(underOldKey(identity, oldKey));
        moved = true;
      } else identities.push(identity);
    }
    out.push(moved ? { ...f, identities } : f);
  }
  return out;
}

/**
 * `exists` against Temporal, cached (at most `max` keys): a key found stays found (identity workflows run for
 * good); a key not found is asked again after `missTtlMs`, since another consumer may have started it since.
 */
export function temporalIdentityExists(
  client: Client,
  opts: { max?: number; missTtlMs?: number } = {},
): IdentityExists {
  const max = opts.max ?? 50_000;
  const missTtlMs = opts.missTtlMs ?? 60_000;
  const found = new Set<string>();
  const missedAt = new Map<string, number>();
  return async (key) => {
    if (found.has(key)) return true;
    const missed = missedAt.get(key);
    if (missed !== undefined && Date.now() - missed < missTtlMs) return false;
    try {
      await client.workflow.getHandle(identityWorkflowId(key)).describe();
      if (found.size >= max) found.clear();
      found.add(key);
      return true;
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error; // Temporal away: the step retries
      if (missedAt.size >= max) missedAt.clear();
      missedAt.set(key, Date.now());
      return false;
    }
  };
}
