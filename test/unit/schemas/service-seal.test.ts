import { describe, expect, it } from 'vitest';
import {
  MAX_SEAL_AGE_MS,
  type ServiceName,
  sealRefusal,
  signSeal,
  unsealed,
} from '../../../schemas/service-seal.ts';
import { newKeyPair } from '../../../schemas/signed-decision.ts';

const worker = newKeyPair();
const consumer = newKeyPair();
const keys = { worker: worker.publicKey, consumer: consumer.publicKey };
const now = Date.parse('2026-12-07T12:00:00Z');
const workflowId = 'enforcement-control/nhi-enforce';
const body = { workflowId: 'remediation/x', ok: false, detail: 'AccessDenied' };

const seal = (
  over: { service?: ServiceName; at?: string; message?: string; to?: string; secret?: string } = {},
) =>
  signSeal(
    {
      workflowId: over.to ?? workflowId,
      message: over.message ?? 'actDone',
      body,
      service: over.service ?? 'worker',
      nonce: 'n-1',
      at: over.at ?? new Date(now).toISOString(),
    },
    over.secret ?? worker.secretKey,
  );
const check = (sealed: unknown, message = 'actDone', seen = () => false) =>
  sealRefusal({ workflowId, message, body: sealed, keys, now, seen });

describe('service seals', () => {
  it('accepts a message sealed by a service allowed to send it, for this workflow', () => {
    expect(check({ ...body, seal: seal() })).toBeUndefined();
    expect(unsealed({ ...body, seal: seal() })).toEqual(body);
  });

  it('refuses an unsealed message, another body, workflow, message name or key', () => {
    expect(check(body)).toBe('not sealed by a service identity');
    expect(check({ ...body, ok: true, seal: seal() })).toMatch(/signature does not verify/);
    expect(check({ ...body, seal: seal({ to: 'enforcement-control/other' }) })).toMatch(/does not verify/);
    expect(check({ ...body, seal: seal({ message: 'reserveAct' }) })).toMatch(/does not verify/);
    expect(check({ ...body, seal: seal({ secret: newKeyPair().secretKey }) })).toMatch(/does not verify/);
  });

  it('lets each service send only its own messages', () => {
    const byConsumer = { ...body, seal: seal({ service: 'consumer', secret: consumer.secretKey }) };
    expect(check(byConsumer)).toBe("the consumer service may not send 'actDone'");
    expect(check({ ...body, seal: { ...seal(), service: 'team-worker' } })).toBe(
      "the team-worker service may not send 'actDone'",
    );
    expect(check({ ...body, seal: { ...seal(), service: 'constructor' } })).toMatch(/unknown service/);
  });

  it('refuses a seal from the future, a stale one and a replayed nonce', () => {
    expect(check({ ...body, seal: seal({ at: new Date(now + 3_600_000).toISOString() }) })).toMatch(/future/);
    const old = new Date(now - MAX_SEAL_AGE_MS - 1).toISOString();
    expect(check({ ...body, seal: seal({ at: old }) })).toMatch(/too long ago/);
    expect(check({ ...body, seal: seal() }, 'actDone', () => true)).toMatch(/a replay/);
  });

  it('refuses when no key is configured for the service', () => {
    expect(
      sealRefusal({
        workflowId,
        message: 'actDone',
        body: { ...body, seal: seal() },
        keys: {},
        now,
        seen: () => false,
      }),
    ).toBe('no public key is configured for the worker service');
  });
});
