// What a rescan scope may become once it leaves the consumer. A scope is whatever a CI job put in the
// nhi-rescan-scope header, often its clone URL, and clone URLs carry tokens
// (`https://x-access-token:ghs_…@github.com/org/repo`, GitLab's `https://gitlab-ci-token:glcbt-…@gitlab.com/…`).
// So the URL's user part is dropped, every credential shape is redacted (the findings' own redaction), and the
// workflow id carries only a hash of that readable form; the readable form lives in the encrypted input and memo.
import { createHash } from 'node:crypto';
import type { Format } from './finding.ts';
import { redactSecretShapes } from './secret-shapes.ts';

/** The scope as people may read it: no URL credentials, no credential shapes. Stable across token rotation. */
export function readableRescanScope(scope: string): string {
  const noUserInfo = scope.trim().replace(/\b([a-zA-Z][a-zA-Z0-9+.-]{1,20}:\/\/)[^\s/@"'<>]*@/g, '$1');
  return redactSecretShapes(noUserInfo);
}

/** 32 hex characters of SHA-256 over the readable scope: what a workflow id may carry. */
export function rescanScopeHash(scope: string): string {
  return createHash('sha256').update(readableRescanScope(scope)).digest('hex').slice(0, 32);
}

/**
 * One workflow per tool and scope: `rescan/gitleaks/<32 hex>`. A scope is often a clone URL with a token in it,
 * and a workflow id is stored outside payload encryption.
 */
export const rescanWorkflowId = (format: Format, scope: string): string =>
  `rescan/${format}/${rescanScopeHash(scope)}`;

/** `*` in a declared scope matches any run of characters. */
export function scopeMatches(pattern: string, scope: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(scope);
}
