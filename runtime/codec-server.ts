// Temporal's codec server protocol over HTTP on loopback: POST /encode and /decode (also under /{namespace}/…)
// with {"payloads":[{metadata:{k:BASE64},data:BASE64}]} in and out, so the Temporal CLI (--codec-endpoint) and
// Web UI can show encrypted histories. A bearer token keeps other local users out; CORS lets the Web UI's origin
// read the answers and no other page's.
//
// The Web UI decodes in the reviewer's browser, which cannot send our bearer token (the UI passes only an OIDC
// access token, and only to https). So a browser signs in once: GET /login is a form for the token, POST /login
// answers with an HttpOnly, SameSite=Strict session cookie (a random value, not the token), and the UI's requests
// carry it when its codec settings include cross-origin credentials.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { Counter, Histogram, Registry } from 'prom-client';
import { z } from 'zod';

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const ROUTE = /^(?:\/[^/]+)?\/(encode|decode)\/?$/;
const LOGIN = /^\/login\/?$/;
export const SESSION_COOKIE = 'nhi-codec-session';

const Base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'not base64');
const Body = z.object({
  payloads: z.array(
    z.object({
      metadata: z.record(z.string(), Base64).nullish(),
      data: Base64.nullish(),
    }),
  ),
});

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** The bearer token every request must carry; undefined = none (only allowed with the public dev key). */
  token: string | undefined;
  port: number;
  /** Web UI origins allowed to read answers (CORS), e.g. http://localhost:8233. */
  origins: readonly string[];
  /** The address to bind (default 127.0.0.1; 0.0.0.0 in a pod, behind a TLS ingress). */
  host?: string;
}

export interface RunningCodecServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const fromJson = (p: z.infer<typeof Body>['payloads'][number]): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
  ),
  data: Buffer.from(p.data ?? '', 'base64'),
});

const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

function same(a: string, b: string): boolean {
  const given = Buffer.from(a);
  const wanted = Buffer.from(b);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

const tokenMatches = (header: string | undefined, token: string) => same(header ?? '', `Bearer ${token}`);

function sessionOf(cookieHeader: string | undefined): string | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) return value.join('=');
  }
  return undefined;
}

const page = (title: string, body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>\n`;

function replyHtml(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; form-action 'self'",
    ...headers,
  });
  res.end(html);
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * What a payload decodes to for a browser that has not signed in: a plain JSON string naming this server's
 * /login, as the browser reached it. Nothing of the payload itself: neither decoded nor its ciphertext.
 */
function signInHint(req: IncomingMessage) {
  const host = /^[A-Za-z0-9.:[\]-]+$/.test(req.headers.host ?? '') ? req.headers.host : undefined;
  const scheme = req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
  const login = host ? `${scheme}://${host}/login` : '/login on the codec server';
  return {
    metadata: { encoding: Buffer.from('json/plain').toString('base64') },
    data: Buffer.from(JSON.stringify(signInText(login))).toString('base64'),
  };
}

function originOf(url: string | undefined): string | undefined {
  try {
    return url ? new URL(url).origin : undefined;
  } catch {
    return undefined;
  }
}

/** The text an unsigned browser sees in place of each payload. */
export const signInText = (loginUrl: string) => `Sign in at ${loginUrl} to decode this payload`;

/** The sign-in form, and the session cookie for the right token. */
async function login(
  req: IncomingMessage,
  res: ServerResponse,
  token: string | undefined,
  session: string,
  origins: readonly string[],
): Promise<void> {
  const back = origins[0] ? `<p>Return to the Web UI: <a href="${origins[0]}">${origins[0]}</a></p>` : '';
  if (token === undefined) return replyHtml(res, 200, page('No sign-in needed', back));
  if (req.method === 'GET')
    return replyHtml(
      res,
      200,
      page(
        'Sign in to the codec server',
        '<form method="post"><label>Token <input type="password" name="token" autocomplete="off"></label> <button type="submit">Sign in</button></form>',
      ),
    );
  if (req.method !== 'POST') return replyHtml(res, 405, page('GET or POST only', ''));
  const body = (await readBody(req)) ?? '';
  const given = new URLSearchParams(body).get('token') ?? '';
  if (!same(given, token))
    return replyHtml(res, 401, page('Wrong token', '<p><a href="login">Try again</a></p>'));
  replyHtml(res, 200, page('Signed in', back), {
    'set-cookie': `${SESSION_COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/`,
  });
}

/**
 * Requests by route and status (401: no or wrong token; 422: the codec itself failed — a payload it cannot decode is answered as the refusal a workflow records) and their latency,
 * on GET /metrics beside GET /livez and /readyz: these three need no token (probes and Prometheus carry none) and
 * say nothing about any payload.
 */
function codecMetrics() {
  const registry = new Registry();
  const requests = new Counter({
    name: 'nhi_codec_requests_total',
    help: 'Codec server requests by route (encode, decode, login, other) and HTTP status',
    labelNames: ['route', 'status'],
    registers: [registry],
  });
  const seconds = new Histogram({
    name: 'nhi_codec_request_seconds',
    help: 'Codec server request latency by route',
    labelNames: ['route'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return {
    registry,
    observe(res: ServerResponse, route: string) {
      const end = seconds.startTimer({ route });
      res.once('finish', () => {
        end();
        requests.inc({ route, status: String(res.statusCode) });
      });
    },
  };
}

const OPS = /^\/(metrics|livez|readyz)\/?$/;

export async function serveCodec(opts: CodecServerOptions): Promise<RunningCodecServer> {
  const session = randomBytes(32).toString('base64url');
  const metrics = codecMetrics();
  const server = createServer(async (req, res) => {
    const opsPath = OPS.exec(new URL(req.url ?? '/', 'http://codec').pathname)?.[1];
    if (opsPath && req.method === 'GET') {
      if (opsPath !== 'metrics') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      const text = await metrics.registry.metrics();
      return void res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text);
    }
    const origin = req.headers.origin;
    if (origin && opts.origins.includes(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('access-control-allow-headers', 'Content-Type, X-Namespace, Authorization');
      res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
      res.setHeader('vary', 'Origin');
    }
    const pathname = new URL(req.url ?? '/', 'http://codec').pathname;
    const route = ROUTE.exec(pathname)?.[1] as 'encode' | 'decode' | undefined;
    metrics.observe(res, route ?? (LOGIN.test(pathname) ? 'login' : 'other'));
    if (LOGIN.test(pathname)) return login(req, res, opts.token, session, opts.origins);
    if (!route) return reply(res, 404, { error: 'no such endpoint: POST /encode or /decode' });
    // Browsers send the preflight without credentials: it only says which origins may ask.
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    if (req.method !== 'POST') return reply(res, 405, { error: 'POST only' });
    const signedIn = same(sessionOf(req.headers.cookie) ?? '', session);
    const authorized =
      opts.token === undefined || signedIn || tokenMatches(req.headers.authorization, opts.token);
    // The Web UI shows a refused decode only as "Codec Server could not connect" beside the ciphertext, so a
    // browser on its page that has not signed in gets each payload replaced by where to sign in instead.
    // Headless Chromium sends the UI's decode requests with its Referer but no Origin header: either names the page.
    const pageOrigin = origin ?? originOf(req.headers.referer);
    const uiNotSignedIn =
      !authorized &&
      route === 'decode' &&
      !req.headers.authorization &&
      !!pageOrigin &&
      opts.origins.includes(pageOrigin);
    if (!authorized && !uiNotSignedIn) {
      return reply(res, 401, {
        error: 'missing or wrong Authorization: Bearer token (a browser signs in at /login)',
      });
    }
    const text = await readBody(req);
    if (text === undefined) return reply(res, 413, { error: `body over ${MAX_BODY_BYTES} bytes` });
    let parsed: z.infer<typeof Body>;
    try {
      const result = Body.safeParse(JSON.parse(text));
      if (!result.success) {
        const issue = result.error.issues[0]!;
        return reply(res, 400, { error: `${issue.path.join('.') || 'body'}: ${issue.message}` });
      }
      parsed = result.data;
    } catch {
      return reply(res, 400, { error: 'body is not JSON' });
    }
    if (uiNotSignedIn) return reply(res, 200, { payloads: parsed.payloads.map(() => signInHint(req)) });
    try {
      const payloads = parsed.payloads.map(fromJson);
      const out = route === 'encode' ? await opts.codec.encode(payloads) : await opts.codec.decode(payloads);
      reply(res, 200, { payloads: out.map(toJson) });
    } catch (error) {
      reply(res, 422, { error: (error as Error).message });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
