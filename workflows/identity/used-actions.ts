// Which AWS actions an identity was seen using: read from CloudTrail records about it (evidence eventSource +
// eventName, successful calls only). Scope-down keeps these. Pure; runs inside the identity workflow.
import type { Finding } from '../../schemas/finding.ts';

/** How many distinct actions a record keeps (the newest win). */
export const MAX_USED_ACTIONS = 500;

/** Where an event source's host differs from the IAM action prefix. */
const PREFIX: Record<string, string> = {
  monitoring: 'cloudwatch',
  email: 'ses',
  'execute-api': 'execute-api',
};

/** `s3:GetObject` for a successful CloudTrail call, else undefined. */
export function usedActionOf(f: Pick<Finding, 'source' | 'evidence'>): string | undefined {
  if (f.source.format !== 'cloudtrail') return undefined;
  const { eventSource, eventName, errorCode } = f.evidence ?? {};
  if (typeof eventSource !== 'string' || typeof eventName !== 'string' || errorCode) return undefined;
  const host = eventSource.replace(/\.amazonaws\.com$/, '');
  if (!/^[a-z0-9-]+$/.test(host) || !/^[A-Za-z0-9]+$/.test(eventName)) return undefined;
  return `${PREFIX[host] ?? host}:${eventName}`;
}

/** Adds `action` (seen at `time`) to the map, keeping at most MAX_USED_ACTIONS, newest last. */
export function rememberUse(used: Record<string, string>, action: string, time: string): void {
  const last = used[action];
  if (last && last >= time) return;
  delete used[action];
  used[action] = time;
  const keys = Object.keys(used);
  for (const old of keys.slice(0, Math.max(0, keys.length - MAX_USED_ACTIONS))) delete used[old];
}
