// The codec server's own metrics and probes: GET /metrics, /livez, /readyz answer without the token and count
// requests by route and status, refusals (401) included.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCodecServer, serveCodec } from '../../../runtime/codec-server.ts';
import { AesGcmPayloadCodec } from '../../../runtime/payload-codec.ts';
import { parseKeyRing } from '../../../runtime/payload-keys.ts';

const codec = new AesGcmPayloadCodec(
  parseKeyRing(`k1:${randomBytes(32).toString('base64')}`, undefined, 'test'),
);
let server: RunningCodecServer;
beforeAll(async () => {
  server = await serveCodec({ codec, token: 'secret-token', port: 0, origins: [] });
});
afterAll(() => server.close());

const post = (path: string, body: unknown, token?: string) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });

describe('codec server metrics', () => {
  it('probes answer without a token', async () => {
    for (const path of ['/livez', '/readyz']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status).toBe(200);
    }
  });

  it('counts requests by route and status, refusals included, with their latency', async () => {
    expect((await post('/decode', { payloads: [] })).status).toBe(401);
    const forged = {
      metadata: { encoding: Buffer.from('binary/encrypted').toString('base64') },
      data: 'AAAA',
    };
    // The codec never throws on a payload it cannot decode: it answers the refusal a workflow records (200).
    expect((await post('/decode', { payloads: [forged] }, 'secret-token')).status).toBe(200);
    expect((await post('/encode', { payloads: [] }, 'secret-token')).status).toBe(200);
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('nhi_codec_requests_total{route="decode",status="401"} 1');
    expect(text).toContain('nhi_codec_requests_total{route="decode",status="200"} 1');
    expect(text).toContain('nhi_codec_requests_total{route="encode",status="200"} 1');
    expect(text).toMatch(/nhi_codec_request_seconds_count\{route="decode"\} 2/);
    // Nothing about a payload: only counts and timings.
    expect(text).not.toContain('AAAA');
  });

  it('--host binds another address (0.0.0.0 in a pod): reachable on loopback too, and says where', async () => {
    const wide = await serveCodec({ codec, token: 'secret-token', port: 0, origins: [], host: '0.0.0.0' });
    try {
      expect(wide.url).toBe(`http://0.0.0.0:${wide.port}`);
      expect((await fetch(`http://127.0.0.1:${wide.port}/livez`)).status).toBe(200);
    } finally {
      await wide.close();
    }
  });
});
