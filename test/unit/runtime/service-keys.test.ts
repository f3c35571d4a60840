import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Endpoints } from '../../../infra/endpoints.ts';
import { developmentServiceKeys, loadServiceKeys, sealAs } from '../../../runtime/service-keys.ts';
import { sealRefusal } from '../../../schemas/service-seal.ts';
import { newKeyPair, publicKeyOf } from '../../../schemas/signed-decision.ts';
import { LOCAL_STACK_ENDPOINTS } from '../../support/endpoints.ts';

const local = LOCAL_STACK_ENDPOINTS;
const remote: Endpoints = { ...local, temporalAddress: 'temporal.internal:7233' };
const devFile = () => join(mkdtempSync(join(tmpdir(), 'nhi-service-keys-')), 'service-keys.json');

describe('service keys', () => {
  it('on the local stack: development keys created once in the state dir, private to the user', () => {
    const file = devFile();
    const first = loadServiceKeys({}, local, file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Object.keys(first.secret).sort()).toEqual(['consumer', 'team-worker', 'worker']);
    expect(loadServiceKeys({}, local, file).secret).toEqual(first.secret);
    expect(first.publicKeys.worker).toBe(publicKeyOf(first.secret.worker!));
  });

  it('against a remote service: refuses to run without keys, and refuses the development keys', () => {
    const file = devFile();
    expect(() => loadServiceKeys({}, remote, file)).toThrow(
      /^no service keys for Temporal at temporal.internal/,
    );
    const dev = developmentServiceKeys(file);
    expect(() => loadServiceKeys({ NHI_SERVICE_KEYS: `worker:${dev.worker}` }, remote, file)).toThrow(
      /'worker' service key is the local stack's development key/,
    );
    const own = newKeyPair().secretKey;
    const keys = loadServiceKeys({ NHI_SERVICE_KEYS: `worker:${own}` }, remote, file);
    expect(keys.publicKeys).toEqual({ worker: publicKeyOf(own) });
  });

  it('reads NHI_SERVICE_KEYS and NHI_SERVICE_PUBLIC_KEYS, one readable line on a bad entry', () => {
    const worker = newKeyPair();
    const consumer = newKeyPair();
    const keys = loadServiceKeys(
      {
        NHI_SERVICE_KEYS: `consumer:${consumer.secretKey}`,
        NHI_SERVICE_PUBLIC_KEYS: `consumer:${consumer.publicKey},worker:${worker.publicKey}`,
      },
      local,
      devFile(),
    );
    expect(keys.publicKeys).toEqual({ consumer: consumer.publicKey, worker: worker.publicKey });
    expect(() => sealAs('worker', { workflowId: 'w', message: 'actDone', body: {} }, keys)).toThrow(
      /holds no 'worker' service key/,
    );
    const body = { identity: { key: 'k' }, findings: [] };
    const seal = sealAs('consumer', { workflowId: 'identity/k', message: 'findings', body }, keys);
    expect(
      sealRefusal({
        workflowId: 'identity/k',
        message: 'findings',
        body: { ...body, seal },
        keys: keys.publicKeys,
        now: Date.now(),
        seen: () => false,
      }),
    ).toBeUndefined();
    expect(() => loadServiceKeys({ NHI_SERVICE_KEYS: 'admin:00' }, local, devFile())).toThrow(
      /^NHI_SERVICE_KEYS: each entry is SERVICE:HEX with a service of consumer, worker, team-worker/,
    );
    expect(() => loadServiceKeys({ NHI_SERVICE_KEYS: 'worker:abcd' }, local, devFile())).toThrow(
      /the key of 'worker' is not 32 bytes of hex/,
    );
  });
});
