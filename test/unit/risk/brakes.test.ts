// The brakes' pure state transitions: protected identities, rate windows, kill switch, circuit breaker.
import { describe, expect, it } from 'vitest';
import {
  type ActRequest,
  accountOf,
  arnPatternMatches,
  breakerClosesAt,
  closeQuietBreaker,
  emptyControlState,
  principalOfCaller,
  protectionOf,
  pruneControlState,
  recordOutcome,
  reserveAct,
  resume,
} from '../../../risk/brakes.ts';
import { DEFAULT_ENFORCEMENT } from '../../../schemas/policy.ts';

const T0 = Date.parse('2026-11-30T10:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const breaker = { failures: 3, windowMinutes: 10, quietMinutes: 30 };
const request = (n: number, account = '111111111111', automatic = true): ActRequest => ({
  workflowId: `remediate/x/${account}/${n}`,
  identityKey: `arn:aws:iam::${account}:role/r${n}`,
  account,
  automatic,
  settings: {
    rateLimits: { perAccountPerHour: 2, globalPerHour: 3, overLimit: 'wait' },
    circuitBreaker: breaker,
  },
});

describe('protected identities', () => {
  it('matches ARN patterns with * over any characters, literally otherwise', () => {
    expect(
      arnPatternMatches('arn:aws:iam::*:role/*break-glass*', 'arn:aws:iam::1:role/ops/break-glass-admin'),
    ).toBe(true);
    expect(arnPatternMatches('arn:aws:iam::*:role/*break-glass*', 'arn:aws:iam::1:user/break-glass')).toBe(
      false,
    );
    expect(arnPatternMatches('arn:aws:iam::1:role/a.b', 'arn:aws:iam::1:role/aXb')).toBe(false);
  });

  it('protects the enforcer itself (its assumed role, any path) and pattern matches, checking the owner too', () => {
    const enforcer = 'arn:aws:sts::123456789012:assumed-role/nhi-enforcer/worker-1';
    expect(principalOfCaller(enforcer)).toEqual({
      arn: 'arn:aws:iam::123456789012:role/nhi-enforcer',
      roleName: 'nhi-enforcer',
    });
    expect(
      protectionOf({ keys: ['arn:aws:iam::123456789012:role/tools/nhi-enforcer'], patterns: [], enforcer }),
    ).toBe("protected: arn:aws:iam::123456789012:role/tools/nhi-enforcer is the enforcer's own identity");
    expect(
      protectionOf({ keys: ['arn:aws:iam::123456789012:role/other'], patterns: [], enforcer }),
    ).toBeUndefined();
    // An access key whose owner is protected is protected.
    expect(
      protectionOf({
        keys: ['aws:access-key:AKIAIOSFODNN7EXAMPLE', 'arn:aws:iam::1:user/break-glass'],
        patterns: ['*:user/break-glass'],
      }),
    ).toBe(
      "protected: arn:aws:iam::1:user/break-glass matches the policy's protected pattern *:user/break-glass",
    );
    const self = 'arn:aws:iam::123456789012:user/nhi-admin';
    expect(protectionOf({ keys: [self], patterns: [], enforcer: self })).toMatch(/enforcer's own identity/);
  });

  it('rate-limits by the identity account, else the account in its ARN or its owner', () => {
    expect(accountOf({ key: 'arn:aws:iam::111111111111:role/a', account: '222222222222' })).toBe(
      '222222222222',
    );
    expect(accountOf({ key: 'arn:aws:iam::111111111111:role/a' })).toBe('111111111111');
    expect(
      accountOf({ key: 'aws:access-key:AKIAIOSFODNN7EXAMPLE', owner: 'arn:aws:iam::333333333333:user/u' }),
    ).toBe('333333333333');
    expect(accountOf({ key: 'secret:x' })).toBe('unknown');
  });
});

describe('rate limits', () => {
  it('grants up to the per-account limit, then holds with the reason and the time a slot frees', () => {
    const s = emptyControlState();
    expect(reserveAct(s, request(1), at(0))).toEqual({ verdict: 'go' });
    expect(reserveAct(s, request(2), at(5))).toEqual({ verdict: 'go' });
    expect(reserveAct(s, request(3), at(6))).toEqual({
      verdict: 'hold',
      reason: `rate limit: 2 automatic remediations per hour in account 111111111111 reached; next slot at ${at(60)}`,
      retryAt: at(60),
    });
    expect(s.held).toEqual([request(3).workflowId]);
    // The global limit (3) counts every account.
    expect(reserveAct(s, request(4, '222222222222'), at(7))).toEqual({ verdict: 'go' });
    expect(reserveAct(s, request(5, '222222222222'), at(8))).toMatchObject({
      verdict: 'hold',
      reason: expect.stringMatching(
        /^rate limit: 3 automatic remediations per hour across all accounts reached/,
      ),
    });
    // An hour after the first act its slot is free again.
    expect(reserveAct(s, request(3), at(60))).toEqual({ verdict: 'go' });
    expect(s.held).not.toContain(request(3).workflowId);
  });

  it('an approved action is not limited; overLimit approval turns the hold into approval-required; a retry is the same grant', () => {
    const s = emptyControlState();
    reserveAct(s, request(1), at(0));
    reserveAct(s, request(2), at(0));
    expect(reserveAct(s, request(3, '111111111111', false), at(1))).toEqual({ verdict: 'go' });
    const approvalFirst = {
      ...request(4),
      settings: {
        ...request(4).settings,
        rateLimits: { perAccountPerHour: 2, overLimit: 'approval' as const },
      },
    };
    expect(reserveAct(s, approvalFirst, at(2))).toEqual({
      verdict: 'approval',
      reason: 'rate limit: 2 automatic remediations per hour in account 111111111111 reached',
    });
    expect(reserveAct(s, request(1), at(3))).toEqual({ verdict: 'go' });
    expect(s.acts).toHaveLength(3);
  });
});

describe('kill switch', () => {
  it('an act granted over an hour ago and never reported no longer counts as in flight', () => {
    const s = emptyControlState();
    reserveAct(s, request(1), at(0));
    expect(s.inflight).toEqual([request(1).workflowId]);
    pruneControlState(s, at(59));
    expect(s.inflight).toHaveLength(1);
    pruneControlState(s, at(60));
    expect(s.inflight).toEqual([]);
  });

  it('holds every act while paused, approved ones too, and releases the held ones on resume', () => {
    const s = emptyControlState();
    s.paused = { by: 'oncall', reason: 'incident', at: at(0) };
    expect(reserveAct(s, request(1), at(1))).toEqual({
      verdict: 'hold',
      reason: `enforcement paused by oncall at ${at(0)}: incident`,
    });
    expect(reserveAct(s, request(2, '111111111111', false), at(1))).toMatchObject({ verdict: 'hold' });
    expect(resume(s)).toEqual([request(1).workflowId, request(2).workflowId]);
    expect(s.paused).toBeUndefined();
    expect(reserveAct(s, request(1), at(2))).toEqual({ verdict: 'go' });
  });
});

describe('circuit breaker', () => {
  it('opens after N failures within the window, asks for approval while open, closes after the quiet period', () => {
    const s = emptyControlState();
    for (const n of [1, 2]) {
      reserveAct(s, request(n, `11111111111${n}`), at(n));
      expect(
        recordOutcome(
          s,
          { workflowId: request(n, `11111111111${n}`).workflowId, ok: false, detail: 'AccessDenied' },
          breaker,
          at(n),
        ),
      ).toBeUndefined();
    }
    expect(s.inflight).toEqual([]);
    // A failure outside the window does not count: at minute 11.5 the first one (minute 1) has left it.
    const reason = recordOutcome(
      s,
      { workflowId: 'w3', ok: false, detail: 'verification missed' },
      breaker,
      at(11.5),
    );
    expect(reason).toBeUndefined();
    const opened = recordOutcome(
      s,
      { workflowId: 'w4', ok: false, detail: 'verification missed' },
      breaker,
      at(11.75),
    );
    expect(opened).toBe('3 failures or verification misses within 10 min (last: w4: verification missed)');
    expect(reserveAct(s, request(9, '999999999999'), at(13))).toEqual({
      verdict: 'approval',
      reason: `circuit breaker open since ${at(11.75)}: ${opened}`,
    });
    expect(reserveAct(s, request(9, '999999999999', false), at(13))).toEqual({ verdict: 'go' });
    expect(breakerClosesAt(s)).toBe(at(41.75));
    expect(closeQuietBreaker(s, at(41.5))).toBe(false);
    expect(closeQuietBreaker(s, at(41.75))).toBe(true);
    expect(s.breaker).toBeUndefined();
  });

  it('a success does not count; resume closes it by hand', () => {
    const s = emptyControlState();
    const cb = DEFAULT_ENFORCEMENT.circuitBreaker;
    expect(recordOutcome(s, { workflowId: 'w', ok: true, detail: 'ok' }, cb, at(0))).toBeUndefined();
    for (let i = 0; i < cb.failures; i++)
      recordOutcome(s, { workflowId: `w${i}`, ok: false, detail: 'x' }, cb, at(i));
    expect(s.breaker).toBeDefined();
    resume(s);
    expect(s.breaker).toBeUndefined();
    expect(s.failures).toEqual([]);
  });
});
