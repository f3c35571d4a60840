// Temporal's codec server protocol over HTTP on loopback: POST /encode and /decode (also under /{namespace}/…)
// with {"payloads":[{metadata:{k:BASE64},data:BASE64}]} in and out, so the Temporal CLI (--codec-endpoint) and
// Web UI can show encrypted histories. A bearer token keeps other local users out; CORS lets the Web UI's origin
// read the answers and no other page's.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const ROUTE = /^(?:\/[^/]+)?\/(encode|decode)\/?$/;

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

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header ?? '');
  const wanted = Buffer.from(`Bearer ${token}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
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

export async function serveCodec(opts: CodecServerOptions): Promise<RunningCodecServer> {
  const server = createServer(async (req, res) => {
    const origin = req.headers.origin;
    if (origin && opts.origins.includes(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('access-control-allow-headers', 'Content-Type, X-Namespace, Authorization');
      res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
      res.setHeader('vary', 'Origin');
    }
    const route = ROUTE.exec(new URL(req.url ?? '/', 'http://codec').pathname)?.[1] as
      | 'encode'
      | 'decode'
      | undefined;
    if (!route) return reply(res, 404, { error: 'no such endpoint: POST /encode or /decode' });
    // Browsers send the preflight without credentials: it only says which origins may ask.
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    if (req.method !== 'POST') return reply(res, 405, { error: 'POST only' });
    if (opts.token !== undefined && !tokenMatches(req.headers.authorization, opts.token)) {
      return reply(res, 401, { error: 'missing or wrong Authorization: Bearer token' });
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
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
