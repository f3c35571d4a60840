// What a rescan scope may become once it leaves the consumer. A scope is whatever a CI job put in the
// nhi-rescan-scope header, often its clone URL, and clone URLs carry tokens
// (`https://x-access-token:ghs_…@github.com/org/repo`, GitLab's `https://gitlab-ci-token:glcbt-…@gitlab.com/…`).
// So the URL's user part is dropped, every credential shape is redacted (the findings' own redaction), and the
// workflow id carries only a hash of that readable form; the readable form lives in the encrypted input and memo.
// Pure and workflow-safe (the rescan workflow's definitions use it).
import { sha256 } from '@noble/hashes/sha2.js';
import { redactSecretShapes } from './secret-shapes.ts';

/** The scope as people may read it: no URL credentials, no credential shapes. Stable across token rotation. */
export function readableRescanScope(scope: string): string {
  const noUserInfo = scope.trim().replace(/\b([a-zA-Z][a-zA-Z0-9+.-]{1,20}:\/\/)[^\s/@"'<>]*@/g, '$1');
  return redactSecretShapes(noUserInfo);
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** 32 hex characters of SHA-256 over the readable scope: what a workflow id may carry. */
export function rescanScopeHash(scope: string): string {
  return hex(sha256(new TextEncoder().encode(readableRescanScope(scope)))).slice(0, 32);
}

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
