// Whether a time-boxed exception may be granted: pure, shared by the update validator and tests.
import type { ExceptionRequest } from './definitions.ts';
import type { IdentityRecord } from './state.ts';

const DAY_MS = 86_400_000;
/** When no assessment (and so no policy) is known yet: the default policy's limit. */
export const FALLBACK_MAX_EXCEPTION_DAYS = 30;

/** A built-in action (`scope-down`) or a team's (`payments/rotate-stripe-key`); schemas/policy.ts has the full check. */
const ACTION_NAME = /^[a-z][a-z0-9-]*(\/[a-z][a-z0-9-]*)?$/;
const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');
/** People and teams are named loosely (`Alice@Security ` is alice@security). */
const same = (a: string, b: string | null | undefined) => !!b && a.toLowerCase() === b.trim().toLowerCase();

/** Why this exception may not be granted, or undefined when it may. */
export function exceptionRefusal(
  request: ExceptionRequest,
  record: IdentityRecord,
  now: string,
): string | undefined {
  if (typeof request !== 'object' || request === null) return 'an exception request must be an object';
  const action = text(request.action);
  const requestedBy = text(request.requestedBy);
  const approvedBy = text(request.approvedBy);
  if (!action) return 'an exception must name the action it pauses';
  if (!ACTION_NAME.test(action)) return `'${action}' is not an action name`;
  if (!requestedBy || !approvedBy) return 'an exception must name who requests it and who approves it';
  if (!text(request.reason)) return 'an exception must give a reason';
  if (same(approvedBy, requestedBy)) return `${approvedBy} cannot approve their own exception`;
  // Who owns it as AWS says (the key's user from IAM, the owner tag); a finding's claim decides nothing.
  const owners = [record.assessment?.principal, record.assessment?.owner, record.identity.key];
  if (owners.some((o) => same(approvedBy, o)))
    return `${approvedBy} owns the identity and cannot approve an exception for it`;
  const expires = typeof request.expiresAt === 'string' ? Date.parse(request.expiresAt) : Number.NaN;
  const start = Date.parse(now);
  if (Number.isNaN(expires)) return `expiresAt '${String(request.expiresAt)}' is not a time`;
  if (expires <= start) return 'the exception would already be expired';
  const maxDays = record.assessment?.policy.exceptions.maxDurationDays ?? FALLBACK_MAX_EXCEPTION_DAYS;
  if (expires - start > maxDays * DAY_MS)
    return `an exception may last at most ${maxDays} days (policy exceptions.maxDurationDays)`;
  return undefined;
}
