// The check every signed decision passes inside a workflow, on plain inputs: time window, replay, own-property
// lookup (`constructor` is nobody), the pinned directory, and a directory that lists one key for two people.
import { describe, expect, it } from 'vitest';
import { personEntry, signedDecisionRefusal } from '../../../schemas/decision-check.ts';
import { safeParseDirectory } from '../../../schemas/directory.ts';
import { signDecision, verifyDecision } from '../../../schemas/signed-decision.ts';
import { person, sign, snapshotOf } from '../../support/people.ts';

const alice = person('alice@example.com', 'security');
const directory = { ...snapshotOf([alice]), hash: 'sha256:aa', maxSkewSeconds: 600 };
const expect_ = { workflowId: 'w', runId: 'r', planHash: 'p', decisions: ['rollback'] };
const now = Date.parse('2026-12-07T12:00:00Z');
const signed = (time = new Date(now).toISOString()) =>
  sign(alice, { workflowId: 'w', runId: 'r', planHash: 'p', decision: 'rollback', reason: 'why', time });

describe('signedDecisionRefusal', () => {
  it('accepts a fresh decision once, and refuses its replay', () => {
    const d = signed();
    expect(signedDecisionRefusal(directory, d, expect_, { nowMs: now, seenNonces: [] })).toBeUndefined();
    expect(signedDecisionRefusal(directory, d, expect_, { nowMs: now, seenNonces: [d.nonce!] })).toBe(
      'replayed: this signed decision was already counted once',
    );
  });

  it('refuses a decision signed outside the skew, before or after the workflow time', () => {
    const stale = signed(new Date(now - 11 * 60_000).toISOString());
    const future = signed(new Date(now + 11 * 60_000).toISOString());
    expect(signedDecisionRefusal(directory, stale, expect_, { nowMs: now, seenNonces: [] })).toMatch(
      /660s before the workflow's time/,
    );
    expect(signedDecisionRefusal(directory, future, expect_, { nowMs: now, seenNonces: [] })).toMatch(
      /660s after the workflow's time/,
    );
  });

  it('refuses a version 1 decision where v2 is required, yet still verifies it (old histories)', () => {
    const v1 = signDecision(
      {
        workflowId: 'w',
        runId: 'r',
        planHash: 'p',
        decision: 'rollback',
        person: alice.id,
        reason: 'why',
        time: new Date(now).toISOString(),
        version: 1,
      },
      alice.secretKey,
    );
    expect(verifyDecision(v1, [alice.publicKey])).toBe(true);
    expect(signedDecisionRefusal(directory, v1, expect_, { nowMs: now, seenNonces: [] })).toMatch(
      /old-format/,
    );
    expect(signedDecisionRefusal(directory, v1, expect_)).toBeUndefined();
  });

  it('refuses a changed nonce (it is inside the signature)', () => {
    const d = { ...signed(), nonce: 'ab'.repeat(16) };
    expect(signedDecisionRefusal(directory, d, expect_, { nowMs: now, seenNonces: [] })).toMatch(
      /bad signature/,
    );
  });

  it('looks people up as own properties: constructor, __proto__ and toString are nobody, never a crash', () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(personEntry(directory, name)).toBeUndefined();
      expect(
        signedDecisionRefusal(directory, { ...signed(), person: name }, expect_, {
          nowMs: now,
          seenNonces: [],
        }),
      ).toMatch(new RegExp(`^unknown person ${name.toLowerCase()}`));
    }
  });

  it('refuses every decision under a directory other than the one the policy pins', () => {
    expect(
      signedDecisionRefusal({ ...directory, pin: 'sha256:bb' }, signed(), expect_, {
        nowMs: now,
        seenNonces: [],
      }),
    ).toMatch(/is not the one the policy pins \(sha256:bb\)/);
  });
});

describe('the directory', () => {
  it('refuses one public key listed for two people', () => {
    const key = `ed25519:${alice.publicKey}`;
    const r = safeParseDirectory(
      {
        version: 1,
        people: [
          { id: 'a@example.com', keys: [key] },
          { id: 'b@example.com', keys: [key] },
        ],
      },
      'people.yaml',
    );
    expect(r.ok ? '' : r.error).toBe(
      "people.yaml: people[1].keys[0]: is also people[0]'s key (a@example.com): one key belongs to one person",
    );
  });
});
