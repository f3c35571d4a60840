// The options of the commands that list from Temporal visibility a page at a time (identities, pending,
// exceptions): how many to keep (--limit) and how many workflows to read per page (--page-size).
import { intOption } from './int-option.ts';

export const LISTING_OPTIONS = {
  limit: { type: 'string' },
  'page-size': { type: 'string' },
  json: { type: 'boolean' },
} as const;

export function listingBounds(values: { limit?: string; 'page-size'?: string }) {
  return {
    limit: intOption('limit', values.limit, 1, 100_000),
    pageSize: intOption('page-size', values['page-size'], 1, 1_000),
  };
}
