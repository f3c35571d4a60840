// The kit teams import (nhi-enforce/actions): a definition checked at once, its registration (JSON Schema of the
// params, reversibility from the rollback phase), and the phase activities, which check the params with the team's
// own zod schema before anything runs.

import { activitiesOf, defineAction, isLeakedValue, registrationOf, z } from 'nhi-enforce/actions';
import { describe, expect, it } from 'vitest';
import {
  paramsProblem,
  parseRegisteredAction,
  RegisteredAction,
  teamActionProblem,
} from '../../../schemas/action-contract.ts';
import { secretIdentity } from '../../../schemas/identity-keys.ts';
import { fingerprint, fingerprintKeyFromEnv } from '../../../schemas/redaction.ts';
import { completeTeamPlan } from '../../../workflows/remediation/action-calls.ts';

const noop = async () => ({ ok: true, detail: 'fine' });
const action = defineAction({
  name: 'payments/rotate-stripe-key',
  description: 'Roll a Stripe key',
  identityTypes: ['secret'],
  parameters: z.strictObject({ account: z.string().min(3), restricted: z.boolean().default(true) }),
  risk: 'high',
  timeouts: { scheduleToStart: '30s' },
  plan: async ({ params }) => ({ steps: [{ api: 'stripe:RollKey', target: params.account, detail: {} }] }),
  act: async ({ params }) => ({ rolled: params.account, restricted: params.restricted }),
  verify: noop,
});

describe('defineAction and registrationOf', () => {
  it('publishes the params as JSON Schema (defaults optional), the team from the name, not reversible without rollback', () => {
    const reg = RegisteredAction.parse(registrationOf(action, 'payments-q'));
    expect(reg).toMatchObject({
      name: 'payments/rotate-stripe-key',
      team: 'payments',
      taskQueue: 'payments-q',
      reversible: false,
      risk: 'high',
      timeouts: { scheduleToStart: '30s', startToClose: '2m', heartbeat: '15s' },
      retry: { maximumAttempts: 10 },
    });
    expect(reg.parameters).toMatchObject({
      type: 'object',
      required: ['account'],
      additionalProperties: false,
    });
    expect(paramsProblem(reg, { account: 'acct_1' })).toBeUndefined();
    expect(paramsProblem(reg, { account: 'x' })).toMatch(/^account: .*3/);
    expect(paramsProblem(reg, { account: 'acct_1', other: 1 })).toMatch(/other/);
  });

  it('refuses a name that is not team/verb, and a rollback without its check', () => {
    expect(() => defineAction({ ...action, name: 'rotate-stripe-key' })).toThrow(/must be "team\/verb"/);
    expect(() => defineAction({ ...action, rollback: async () => ({}) })).toThrow(
      /rollback and verifyRollback come together/,
    );
  });

  it('a registration whose team is not the name prefix, or whose schema is unusable, is one line', () => {
    const reg = registrationOf(action, 'q');
    expect(parseRegisteredAction({ ...reg, team: 'billing' })).toEqual({
      ok: false,
      error: "team: must be 'payments', the name's prefix",
    });
    expect(parseRegisteredAction({ ...reg, timeouts: { scheduleToStart: 'soon' } })).toEqual({
      ok: false,
      error: 'timeouts.scheduleToStart: must be a duration such as 30s, 5m or 2h',
    });
  });

  it('teamActionProblem: unknown, wrong identity type, bad params, each one line', () => {
    const reg = RegisteredAction.parse(registrationOf(action, 'q'));
    expect(teamActionProblem([reg], 'payments/other', 'secret', {})).toEqual({
      ok: false,
      reason:
        "unknown action 'payments/other': no team action of that name is registered (registered: payments/rotate-stripe-key)",
    });
    expect(teamActionProblem([reg], reg.name, 'aws-user', { account: 'acct_1' })).toEqual({
      ok: false,
      reason: 'payments/rotate-stripe-key does not act on aws-user (only secret)',
    });
    expect(teamActionProblem([reg], reg.name, 'secret', {})).toMatchObject({ ok: false });
    expect(teamActionProblem([reg], reg.name, 'secret', { account: 'acct_1' })).toMatchObject({ ok: true });
  });
});

describe('phase activities', () => {
  const activities = activitiesOf(action);
  const identity = secretIdentity('stripe', 'ab'.repeat(32));
  const input = (params: Record<string, unknown>) => ({
    action: action.name,
    remediationId: 'remediate/x/0',
    identity,
    params,
  });

  it('are named <action>:<phase>; rollback phases only with a rollback', () => {
    expect(Object.keys(activities).sort()).toEqual([
      'payments/rotate-stripe-key:act',
      'payments/rotate-stripe-key:plan',
      'payments/rotate-stripe-key:verify',
    ]);
  });

  it("plan refuses params its own zod schema rejects (the worker's code is the truth), with the reason", async () => {
    expect(await activities['payments/rotate-stripe-key:plan']!(input({ account: 'x' }))).toMatchObject({
      steps: [],
      refused: expect.stringMatching(/^payments\/rotate-stripe-key: params do not fit its schema: account:/),
    });
    expect(await activities['payments/rotate-stripe-key:plan']!(input({ account: 'acct_1' }))).toEqual({
      steps: [{ api: 'stripe:RollKey', target: 'acct_1', detail: {} }],
    });
  });

  it('the remediation completes a team plan with the action, identity and rollback terms of the contract', () => {
    const reg = RegisteredAction.parse(registrationOf(action, 'q'));
    expect(completeTeamPlan(reg, identity.key, { steps: [], rollbackHow: 'cannot' })).toEqual({
      steps: [],
      action: reg.name,
      identityKey: identity.key,
      rollback: { possible: false, how: 'cannot' },
    });
  });
});

describe('isLeakedValue', () => {
  it("matches a scanner's secret identity by fingerprint only", () => {
    const url = 'postgresql://app:s3cret-pass@127.0.0.1:5432/app';
    const leaked = secretIdentity('uri', fingerprint(url, fingerprintKeyFromEnv()));
    expect(isLeakedValue(leaked, ['other', url])).toBe(true);
    expect(isLeakedValue(leaked, ['s3cret-pass'])).toBe(false);
    expect(isLeakedValue({ ...leaked, type: 'aws-user' }, [url])).toBe(false);
  });
});
