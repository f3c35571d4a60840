// Quorum per group AND across groups (each person counts once), and the directory file's readable errors.
import { describe, expect, it } from 'vitest';
import { safeParseDirectory } from '../../../schemas/directory.ts';
import { quorumMissing } from '../../../workflows/remediation/approval-rules.ts';

const p = (...groups: string[]) => ({ groups });

describe('quorumMissing', () => {
  it('2 of security AND 1 of platform needs three different people', () => {
    const groups = { security: 2, platform: 1 };
    expect(quorumMissing(groups, [])).toEqual({ security: 2, platform: 1 });
    expect(quorumMissing(groups, [p('security'), p('security')])).toEqual({ platform: 1 });
    expect(quorumMissing(groups, [p('security'), p('security'), p('platform')])).toEqual({});
    // One person in both groups fills one slot, not two.
    const both = quorumMissing(groups, [p('security', 'platform'), p('security')]);
    expect(Object.values(both).reduce((a, b) => a + b, 0)).toBe(1);
    // The assignment that fills most slots wins, whatever the arrival order.
    expect(quorumMissing(groups, [p('security', 'platform'), p('security'), p('security')])).toEqual({});
  });
});

describe('safeParseDirectory', () => {
  const key = `ed25519:${'ab'.repeat(32)}`;
  it('accepts people with canonical ids, groups and keys', () => {
    const r = safeParseDirectory({
      version: 1,
      people: [{ id: 'alice@example.com', groups: ['security'], keys: [key] }],
    });
    expect(r.ok).toBe(true);
  });
  it.each([
    [{ id: 'Alice@Example.com', keys: [key] }, 'people[0].id: must be lower-case (the canonical id)'],
    [{ id: 'alice', keys: [key] }, 'people[0].id: must be an email address'],
    [{ id: 'alice@example.com', keys: [] }, 'people[0].keys: must not be empty'],
    [
      { id: 'alice@example.com', keys: ['ssh-ed25519 AAAA'] },
      'people[0].keys[0]: must be ed25519:<64 hex digits>',
    ],
  ])('one readable line for %o', (person, message) => {
    const r = safeParseDirectory({ version: 1, people: [person] }, 'people.yaml');
    expect(r.ok ? '' : r.error).toContain(message);
  });
  it('a person listed twice is an error', () => {
    const a = { id: 'alice@example.com', keys: [key] };
    const r = safeParseDirectory({ version: 1, people: [a, a] }, 'people.yaml');
    expect(r.ok ? '' : r.error).toBe('people.yaml: people[1].id: duplicates people[0]');
  });
});
