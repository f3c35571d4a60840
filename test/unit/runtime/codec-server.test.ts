// The codec server over real HTTP on loopback: Temporal's protocol, the token, CORS for the Web UI's origin.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { DefaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.ts';
import { type RunningCodecServer, serveCodec, signInText } from '../../../runtime/codec-server.ts';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING } from '../../../runtime/payload-codec.ts';
import { parseKeyRing } from '../../../runtime/payload-keys.ts';

const converter = new DefaultPayloadConverter();
const codec = new AesGcmPayloadCodec(
  parseKeyRing(`k1:${randomBytes(32).toString('base64')}`, undefined, 'test'),
);
const token = 'test-token';
const ui = 'http://localhost:8233';
let server: RunningCodecServer;

beforeAll(async () => {
  server = await serveCodec({ codec, token, port: 0, origins: [ui] });
});
afterAll(() => server.close());

const toJson = (p: { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }) => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

const post = (
  path: string,
  body: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${token}` },
) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('codec server', () => {
  it('decodes what the codec encoded, and encodes, also under /{namespace}/', async () => {
    const [sealed] = await codec.encode([converter.toPayload({ reason: 'owner asked' })]);
    const res = await post('/default/decode', { payloads: [toJson(sealed!)] });
    expect(res.status).toBe(200);
    const { payloads } = (await res.json()) as {
      payloads: Array<{ metadata: Record<string, string>; data: string }>;
    };
    expect(Buffer.from(payloads[0]!.data, 'base64').toString()).toBe('{"reason":"owner asked"}');

    const enc = await post('/encode', { payloads: [toJson(converter.toPayload('x'))] });
    const encoded = (await enc.json()) as { payloads: Array<{ metadata: Record<string, string> }> };
    expect(Buffer.from(encoded.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe(
      ENCRYPTED_ENCODING,
    );
  });

  it('refuses without the token, on unknown paths and methods, and on bad bodies', async () => {
    expect((await post('/decode', { payloads: [] }, {})).status).toBe(401);
    expect((await post('/decode', { payloads: [] }, { authorization: 'Bearer nope' })).status).toBe(401);
    expect((await post('/elsewhere', { payloads: [] })).status).toBe(404);
    expect(
      (await fetch(`${server.url}/decode`, { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(405);
    expect((await post('/decode', 'not json')).status).toBe(400);
    const bad = await post('/decode', { payloads: [{ data: '***' }] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe('payloads.0.data: not base64');
    // A payload from a key this server does not hold: shown as the refusal a workflow would record, one line.
    const other = new AesGcmPayloadCodec(
      parseKeyRing(`k9:${randomBytes(32).toString('base64')}`, undefined, 'x'),
    );
    const [foreign] = await other.encode([converter.toPayload('x')]);
    const refused = await post('/decode', { payloads: [toJson(foreign!)] });
    expect(refused.status).toBe(200);
    const body = (await refused.json()) as { payloads: Array<{ data: string }> };
    expect(Buffer.from(body.payloads[0]!.data, 'base64').toString()).toMatch(
      /^\{"nhiUndecodablePayload":"a payload encrypted with key 'k9', which is not among the keys/,
    );
  });

  it('a browser signs in with the token once; its session cookie (not the token) then authorizes decoding', async () => {
    const form = await fetch(`${server.url}/login`);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('<input type="password" name="token"');
    const signIn = (t: string) =>
      fetch(`${server.url}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: t }).toString(),
      });
    expect((await signIn('nope')).status).toBe(401);
    const ok = await signIn(token);
    expect(ok.status).toBe(200);
    const cookie = ok.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^nhi-codec-session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/$/);
    expect(cookie).not.toContain(token);
    const session = cookie.split(';')[0]!;
    expect((await post('/decode', { payloads: [] }, { cookie: session, origin: ui })).status).toBe(200);
    expect((await post('/decode', { payloads: [] }, { cookie: 'nhi-codec-session=forged' })).status).toBe(
      401,
    );
  });

  it('a Web UI page not signed in gets, for each payload, where to sign in: never the payload, decoded or not', async () => {
    const [sealed] = await codec.encode([converter.toPayload({ reason: 'owner asked' })]);
    const body = { payloads: [toJson(sealed!), toJson(sealed!)] };
    const res = await post('/decode', body, { origin: ui });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(ui);
    const text = await res.text();
    const { payloads } = JSON.parse(text) as {
      payloads: Array<{ metadata: Record<string, string>; data: string }>;
    };
    expect(payloads).toHaveLength(2);
    const host = new URL(server.url).host;
    for (const p of payloads) {
      expect(Buffer.from(p.metadata.encoding!, 'base64').toString()).toBe('json/plain');
      expect(JSON.parse(Buffer.from(p.data, 'base64').toString())).toBe(signInText(`http://${host}/login`));
    }
    expect(text).not.toContain(body.payloads[0]!.data);
    // A browser that sends only the page's Referer (headless Chromium's decode requests) is the same page.
    expect((await post('/decode', body, { referer: `${ui}/namespaces/default/workflows` })).status).toBe(200);
    expect(Buffer.from(text).toString()).not.toContain('owner asked');
    // Anyone else not signed in is refused as before: no origin, another origin, a wrong token, or encoding.
    expect((await post('/decode', body, {})).status).toBe(401);
    expect((await post('/decode', body, { origin: 'https://evil.example' })).status).toBe(401);
    expect((await post('/decode', body, { origin: ui, authorization: 'Bearer nope' })).status).toBe(401);
    expect((await post('/encode', body, { origin: ui })).status).toBe(401);
  });

  it("lets the Web UI's origin read answers (CORS preflight without credentials), and no other origin", async () => {
    const preflight = await fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { origin: ui } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ui);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    const elsewhere = await post(
      '/decode',
      { payloads: [] },
      { authorization: `Bearer ${token}`, origin: 'https://evil.example' },
    );
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('codec server without a token (the development key only)', () => {
  it('answers without an Authorization header', async () => {
    const open = await serveCodec({ codec, token: undefined, port: 0, origins: [] });
    try {
      const res = await fetch(`${open.url}/decode`, {
        method: 'POST',
        body: JSON.stringify({ payloads: [] }),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ payloads: [] });
    } finally {
      await open.close();
    }
  });
});

describe('nhi codec-server arguments', () => {
  const io = () => {
    const err: string[] = [];
    return { err, io: { out: () => {}, err: (l: string) => err.push(l) } };
  };

  it('exits 2 with one line on a bad port or origin', async () => {
    const a = io();
    expect(await main(['codec-server', '--port', 'x'], a.io)).toBe(2);
    expect(a.err).toEqual(['nhi codec-server: --port x is not a port number (see: nhi codec-server --help)']);
    const b = io();
    expect(await main(['codec-server', '--origin', 'localhost:8233'], b.io)).toBe(2);
    expect(b.err[0]).toMatch(/--origin localhost:8233 is not an origin/);
  });

  it('refuses --no-token with real keys, even one named like the development key', async () => {
    const saved = process.env.NHI_PAYLOAD_KEYS;
    process.env.NHI_PAYLOAD_KEYS = `prod:${randomBytes(32).toString('base64')}`;
    try {
      const a = io();
      expect(await main(['codec-server', '--no-token', '--port', '0'], a.io)).toBe(2);
      expect(a.err[0]).toMatch(
        /--no-token is only for the public development key; the keys here come from NHI_PAYLOAD_KEYS/,
      );
      process.env.NHI_PAYLOAD_KEYS = `nhi-local-dev:${randomBytes(32).toString('base64')}`;
      const b = io();
      expect(await main(['codec-server', '--no-token', '--port', '0'], b.io)).toBe(2);
      expect(b.err[0]).toMatch(/--no-token is only for the public development key/);
    } finally {
      if (saved === undefined) delete process.env.NHI_PAYLOAD_KEYS;
      else process.env.NHI_PAYLOAD_KEYS = saved;
    }
  });
});

describe('nhi codec-server as a process', () => {
  it('prints its URL, requires NHI_CODEC_TOKEN, decodes with the configured keys and stops on SIGTERM', async () => {
    const keys = `k1:${randomBytes(32).toString('base64')}`;
    const child = spawn('node', ['bin/nhi.js', 'codec-server', '--port', '0', '--json'], {
      env: { ...process.env, NHI_PAYLOAD_KEYS: keys, NHI_CODEC_TOKEN: 'proc-token' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
      const started = JSON.parse(line) as { url: string; token: string; activeKeyId: string };
      expect(started).toMatchObject({ token: 'proc-token', activeKeyId: 'k1' });
      const same = new AesGcmPayloadCodec(parseKeyRing(keys, undefined, 'test'));
      const [sealed] = await same.encode([converter.toPayload('hello')]);
      const call = (auth?: string) =>
        fetch(`${started.url}/decode`, {
          method: 'POST',
          headers: auth ? { authorization: auth } : {},
          body: JSON.stringify({ payloads: [toJson(sealed!)] }),
        });
      expect((await call()).status).toBe(401);
      const res = await call('Bearer proc-token');
      const { payloads } = (await res.json()) as { payloads: Array<{ data: string }> };
      expect(Buffer.from(payloads[0]!.data, 'base64').toString()).toBe('"hello"');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 60_000); // a node process starting on a busy machine
});
