// Whether a time-boxed exception may be granted: pure, shared by the update validator and tests.
import type { ExceptionRequest } from './definitions.ts';
import type { IdentityRecord } from './state.ts';

const DAY_MS = 86_400_000;
/** When no assessment (and so no policy) is known yet. */
const FALLBACK_MAX_DAYS = 30;

export function exceptionRefusal(
  request: ExceptionRequest,
  record: IdentityRecord,
  now: string,
): string | undefined {
  if (!request.action?.trim()) return 'an exception must name the action it pauses';
  if (!request.requestedBy?.trim() || !request.approvedBy?.trim())
    return 'an exception must name who requests it and who approves it';
  if (!request.reason?.trim()) return 'an exception must give a reason';
  if (request.approvedBy === request.requestedBy)
    return `${request.approvedBy} cannot approve their own exception`;
  if (record.identity.owner && request.approvedBy === record.identity.owner)
    return `${request.approvedBy} owns the identity and cannot approve an exception for it`;
  const expires = Date.parse(request.expiresAt);
  const start = Date.parse(now);
  if (Number.isNaN(expires)) return `expiresAt '${request.expiresAt}' is not a time`;
  if (expires <= start) return 'the exception would already be expired';
  const maxDays = record.assessment?.policy.exceptions.maxDurationDays ?? FALLBACK_MAX_DAYS;
  if (expires - start > maxDays * DAY_MS)
    return `an exception may last at most ${maxDays} days (policy exceptions.maxDurationDays)`;
  return undefined;
}
