// Which of the identity workflow's search attributes the namespace has registered. Upserting an unregistered one
// fails every workflow task of the identity (Temporal rejects the command), so the workflow asks first, once per
// run. Read with the worker's own client; cached per process for a minute.
import { Context } from '@temporalio/activity';

export interface VisibilitySupport {
  /** Registered custom search attributes among those asked for. */
  searchAttributes: string[];
  /** Memo upserts are understood (every real server; the in-memory test stubs say no). */
  memo: boolean;
}

const TTL_MS = 60_000;

export function createVisibilityCheck() {
  const cache = new Map<string, { at: number; names: Set<string> }>();
  return async function identityVisibility(wanted: string[]): Promise<VisibilitySupport> {
    const { client } = Context.current();
    const namespace = client.options.namespace;
    let entry = cache.get(namespace);
    if (!entry || Date.now() - entry.at > TTL_MS) {
      try {
        const listed = await client.connection.operatorService.listSearchAttributes({ namespace });
        entry = { at: Date.now(), names: new Set(Object.keys(listed.customAttributes ?? {})) };
      } catch {
        // No operator API (some hosted clusters): without proof the attributes exist, do not upsert them.
        entry = { at: Date.now(), names: new Set() };
      }
      cache.set(namespace, entry);
    }
    const names = entry.names;
    return { searchAttributes: wanted.filter((n) => names.has(n)), memo: true };
  };
}
