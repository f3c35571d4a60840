// The directory of people who may decide: each person has a canonical id (a lower-cased email), the groups they
// belong to and one or more Ed25519 public keys. Schema only: the file is read in activities/directory-source.ts,
// and workflows keep a snapshot of it (DirectorySnapshot) taken when a request opens.
import { z } from 'zod';
import { formatPolicyIssues, GroupName } from './policy.ts';
import { hashOf } from './signed-decision.ts';

/** `ed25519:` + the 32-byte public key in hex, as `nhi keys new` prints it. */
export const PUBLIC_KEY_PREFIX = 'ed25519:';
const PUBLIC_KEY = /^ed25519:[0-9a-f]{64}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const Person = z.strictObject({
  /** Canonical id: the person's email, lower-cased. */
  id: z
    .string()
    .regex(EMAIL, { message: 'must be an email address' })
    .refine((s) => s === s.toLowerCase(), { message: 'must be lower-case (the canonical id)' }),
  name: z.string().optional(),
  groups: z.array(GroupName).default([]),
  keys: z
    .array(
      z
        .string()
        .transform((s) => s.trim().toLowerCase())
        .refine((s) => PUBLIC_KEY.test(s), { message: 'must be ed25519:<64 hex digits> (nhi keys new)' }),
    )
    .min(1),
});
export type Person = z.infer<typeof Person>;

export const Directory = z
  .strictObject({
    version: z.literal(1),
    people: z.array(Person),
  })
  .superRefine((dir, ctx) => {
    const seen = new Map<string, number>();
    dir.people.forEach((p, i) => {
      const first = seen.get(p.id);
      if (first === undefined) seen.set(p.id, i);
      else
        ctx.addIssue({ code: 'custom', path: ['people', i, 'id'], message: `duplicates people[${first}]` });
    });
    // One key is one person: a key listed twice would let its holder count as two people in a quorum.
    const owners = new Map<string, number>();
    dir.people.forEach((p, i) => {
      p.keys.forEach((key, k) => {
        const first = owners.get(key);
        if (first === undefined) owners.set(key, i);
        else if (first !== i && dir.people[first]!.id !== p.id)
          ctx.addIssue({
            code: 'custom',
            path: ['people', i, 'keys', k],
            message: `is also people[${first}]'s key (${dir.people[first]!.id}): one key belongs to one person`,
          });
      });
    });
  });
export type Directory = z.infer<typeof Directory>;

/** What a workflow keeps: person id → groups and keys (hex, no prefix). Plain data, safe in history. */
export interface DirectorySnapshot {
  people: Record<string, { groups: string[]; keys: string[] }>;
  /** Where it came from, and why it is empty when it is. */
  source: string;
  note?: string;
  /** `sha256:…` of the people, groups and keys (directoryHash): recorded with every decision taken under it. */
  hash?: string;
  /** The hash the policy pins (`decisions.directoryHash`): a decision under another directory is refused. */
  pin?: string;
  /** How far a decision's signed time may be from the workflow's time (policy `decisions.maxSkew`). */
  maxSkewSeconds?: number;
  /** The groups the policy names for the acts no rule names (`decisions.brakes`, `decisions.registrants`). */
  roles?: { brakes: string[]; registrants: string[] };
}

/** The directory's identity: its people, groups and keys (canonical JSON, so file order does not matter). */
export const directoryHash = (people: DirectorySnapshot['people']): string => `sha256:${hashOf(people)}`;

export function snapshotOf(dir: Directory, source: string): DirectorySnapshot {
  // No prototype: a person named `constructor` is nobody (history turns it back into a plain object, so lookups
  // use schemas/decision-check.ts personEntry too).
  const people: DirectorySnapshot['people'] = Object.create(null);
  for (const p of dir.people)
    people[p.id] = { groups: [...p.groups], keys: p.keys.map((k) => k.slice(PUBLIC_KEY_PREFIX.length)) };
  return { people, source, hash: directoryHash(people) };
}

export type DirectoryParseResult = { ok: true; directory: Directory } | { ok: false; error: string };

/** Validate a parsed value; errors are one readable line (`people[2].keys[0]: must be ed25519:…`). */
export function safeParseDirectory(value: unknown, fileName = 'directory'): DirectoryParseResult {
  const parsed = Directory.safeParse(value, { reportInput: true });
  return parsed.success
    ? { ok: true, directory: parsed.data }
    : { ok: false, error: formatPolicyIssues(parsed.error.issues, fileName, value) };
}

/** People are named loosely on the command line (`Alice@Example.com `): the canonical id. */
export const canonicalPerson = (who: string): string => who.trim().toLowerCase();
