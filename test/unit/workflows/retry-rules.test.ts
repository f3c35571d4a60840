// A signed retry of an ended remediation (`nhi remediation retry`): who may ask, for which proposal (pure rules).
import { describe, expect, it } from 'vitest';
import { remediationRetry } from '../../../cli/decisions.ts';
import { identityWorkflowId } from '../../../workflows/identity/definitions.ts';
import { retryRefusal, retryRound } from '../../../workflows/identity/retry-rules.ts';
import type { RemediationRecord } from '../../../workflows/identity/state.ts';
import { person, snapshotOf } from '../../support/people.ts';

const KEY = 'arn:aws:iam::333333333333:user/ci';
const ID = 'remediate/revoke-sessions/arn:aws:iam::333333333333:user%2Fci/0';
const NOW = Date.parse('2026-12-07T12:00:00.000Z');
const alice = person('alice@example.com', 'security');
const bob = person('bob@example.com', 'platform');
const owner = person('ci-owner@example.com', 'security');
const mallory = person('mallory@example.com', 'security');
const directory = snapshotOf([alice, bob, owner]);
const signer = (p: typeof alice) => ({ person: p.id, secretKey: p.secretKey });

const proposal = (extra: Partial<RemediationRecord> = {}): RemediationRecord => ({
  action: 'revoke-sessions',
  ruleId: 'compromised-sessions',
  workflowId: ID,
  mode: 'auto',
  reasons: [],
  startedAt: '2026-12-07T11:00:00.000Z',
  score: 85,
  epoch: 0,
  ended: { status: 'refused', at: '2026-12-07T11:00:01.000Z', cause: 'configuration' },
  ...extra,
});
const ctx = (remediations: RemediationRecord[] = [proposal()]) => ({
  workflowId: identityWorkflowId(KEY),
  directory,
  retriers: ['security'],
  owners: [owner.id],
  remediations,
});
const fresh = { nowMs: NOW, seenNonces: [] };
const signed = (who = alice, round = 1, id = ID, time = new Date(NOW).toISOString()) =>
  remediationRetry(signer(who), KEY, id, round, 'account 333333333333 is configured now', time);

describe('retryRefusal', () => {
  it('accepts a security member who signs for this identity, remediation and round', () => {
    expect(retryRefusal(ctx(), ID, signed(), fresh)).toBeUndefined();
  });

  it('binds the signature to the round: a second retry needs a new signature', () => {
    const retried = proposal({ retry: { by: alice.id, reason: 'r', at: 'x', round: 1 } });
    expect(retryRound(retried)).toBe(2);
    expect(retryRefusal(ctx([retried]), ID, signed(alice, 1), fresh)).toMatch(
      /signed for another retry .* round 2/,
    );
    expect(retryRefusal(ctx([retried]), ID, signed(alice, 2), fresh)).toBeUndefined();
  });

  it.each([
    ['unsigned', () => ({ runId: ID, decision: 'retry', reason: 'r' }), /must be signed by a person/],
    [
      'another workflow',
      () => ({ ...signed(), workflowId: 'identity/other' }),
      /bad signature|another request/,
    ],
    [
      'another identity',
      () => remediationRetry(signer(alice), 'other', ID, 1, 'r', new Date(NOW).toISOString()),
      /signed for another request/,
    ],
    ['not in the directory', () => signed(mallory), /unknown person mallory@example.com/],
    ['not a retrier', () => signed(bob), /none of the groups that may retry .*decisions.retriers/],
    ["the identity's owner", () => signed(owner), /is the identity's owner/],
    [
      'signed an hour ago',
      () => signed(alice, 1, ID, new Date(NOW - 3600_000).toISOString()),
      /s before the workflow's time/,
    ],
  ])('refuses %s', (_what, make, message) => {
    expect(retryRefusal(ctx(), ID, make(), fresh)).toMatch(message);
  });

  it('refuses a replayed retry (its nonce counted once)', () => {
    const once = signed();
    expect(retryRefusal(ctx(), ID, once, { nowMs: NOW, seenNonces: [once.nonce!] })).toMatch(/replayed/);
  });

  it.each([
    ['unknown', [proposal()], 'remediate/x/y/0', /no remediation remediate\/x\/y\/0 was proposed/],
    ['not ended', [proposal({ ended: undefined })], ID, /has not ended \(nhi pending/],
    [
      'executed',
      [proposal({ ended: { status: 'executed', at: 'x' } })],
      ID,
      /roll it back first \(nhi rollback/,
    ],
    ['an observe plan', [proposal({ observe: true })], ID, /observe-mode plan/],
    [
      'superseded',
      [proposal(), proposal({ workflowId: ID.replace(/0$/, '1'), epoch: 1 })],
      ID,
      /not the latest proposal .*retry that one/,
    ],
  ])('refuses a remediation that is %s', (_what, list, id, message) => {
    expect(retryRefusal(ctx(list as RemediationRecord[]), id, signed(alice, 1, id), fresh)).toMatch(message);
  });
});
