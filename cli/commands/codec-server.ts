// `nhi codec-server`: serves the payload codec to the Temporal CLI and Web UI, so encrypted histories read normally.
import { randomBytes } from 'node:crypto';
import { localCodecPort, temporalUi } from '../../infra/services/temporal-ui.ts';
import { type Command, CommandError, parseCommandArgs, UsageError, untilStopSignal } from '../command.ts';

const usage = `usage: nhi codec-server [--port N] [--host ADDR] [--origin URL]... [--no-token] [--json]

Serves Temporal's codec server protocol (POST /encode, /decode, also under /{namespace}/) on 127.0.0.1 with the
payload keys this process is configured with (NHI_PAYLOAD_KEYS, NHI_PAYLOAD_KEYS_SECRET, or the development key
on a local stack), so Temporal's own tools can show encrypted payloads:

  temporal workflow show -w ID --codec-endpoint http://127.0.0.1:PORT --codec-auth "Bearer TOKEN"

Every request needs "Authorization: Bearer TOKEN" (the token is NHI_CODEC_TOKEN, or a random one printed at
start) or the session cookie of a browser that signed in with the token at /login. Temporal's Web UI decodes in
the browser: sign in once at http://127.0.0.1:PORT/login, then in the UI's codec server settings tick "Use my
browser setting" and "Include cross-origin credentials" (the local stack's UI already points at this port).
Until it signs in, the UI's page shows "Sign in at http://…/login to decode this payload" in place of each
payload (nothing is decoded; anyone else without the token gets 401).
GET /metrics (requests by route and status, latency), /livez and /readyz need no token: they say nothing about
any payload. Runs until SIGINT/SIGTERM.

  --port N      port on 127.0.0.1 (default NHI_CODEC_PORT, or the local stack's Web UI port + 1, which
                nhi stack up points the UI at; 0 = any free port)
  --host ADDR   the address to bind (default NHI_CODEC_HOST, else 127.0.0.1; 0.0.0.0 in a pod, behind TLS)
  --origin URL  a Web UI origin allowed to read answers (repeatable; default the local stack's UI,
                http://127.0.0.1:UIPORT and http://localhost:UIPORT)
  --no-token    no authentication at all — refused unless the keys are the public development key
  --json        print {"url","token","login"} as one JSON line instead of text

examples:
  nhi codec-server --port 0 --json
next: sign in at the /login address it prints, then open the Temporal Web UI (nhi stack status shows it)`;

function defaultOrigins(): string[] {
  try {
    const ui = temporalUi();
    return ui ? [ui.origin, `http://localhost:${ui.port}`] : [];
  } catch {
    return [];
  }
}

const parseCodecServerArgs = (argv: string[]) =>
  parseCommandArgs(
    argv,
    {
      port: { type: 'string' },
      host: { type: 'string' },
      origin: { type: 'string', multiple: true },
      'no-token': { type: 'boolean' },
      json: { type: 'boolean' },
    },
    false,
  );

export const codecServerCommand: Command = {
  name: 'codec-server',
  summary: 'serve the payload codec so Temporal CLI and Web UI can read encrypted histories',
  usage,
  parse: parseCodecServerArgs,
  async run(argv, io) {
    const { values } = parseCodecServerArgs(argv);
    let port: number;
    try {
      port = Number(values.port ?? localCodecPort());
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port ${values.port} is not a port number`);
    const origins = values.origin ?? defaultOrigins();
    for (const o of origins)
      if (!/^https?:\/\/[^/]+$/.test(o))
        throw new UsageError(`--origin ${o} is not an origin (scheme://host[:port])`);

    const [{ AesGcmPayloadCodec }, { onlyDevelopmentKey, payloadKeyRing }, { serveCodec }] =
      await Promise.all([
        import('../../runtime/payload-codec.ts'),
        import('../../runtime/payload-keys.ts'),
        import('../../runtime/codec-server.ts'),
      ]);
    let codec: InstanceType<typeof AesGcmPayloadCodec>;
    try {
      codec = new AesGcmPayloadCodec(await payloadKeyRing());
    } catch (error) {
      throw new CommandError((error as Error).message);
    }
    const ring = codec.keyRing;
    const devOnly = onlyDevelopmentKey(ring);
    if (values['no-token'] && !devOnly) {
      throw new UsageError(
        `--no-token is only for the public development key; the keys here come from ${ring.source}`,
      );
    }
    const token = values['no-token']
      ? undefined
      : process.env.NHI_CODEC_TOKEN || randomBytes(24).toString('base64url');
    let server: Awaited<ReturnType<typeof serveCodec>>;
    try {
      const host = values.host || process.env.NHI_CODEC_HOST || undefined;
      server = await serveCodec({ codec, token, port, origins, ...(host ? { host } : {}) });
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      throw new CommandError(
        e.code === 'EADDRINUSE' ? `port ${port} is in use — pick another with --port` : e.message,
      );
    }
    const loginUrl = token ? `${server.url}/login` : null;
    if (values.json)
      io.out(
        JSON.stringify({
          url: server.url,
          token: token ?? null,
          login: loginUrl,
          activeKeyId: ring.activeKeyId,
        }),
      );
    else {
      io.out(`codec server on ${server.url} (keys from ${ring.source}, active '${ring.activeKeyId}')`);
      io.out(
        `  temporal workflow show -w ID --codec-endpoint ${server.url}${token ? ` --codec-auth "Bearer ${token}"` : ''}`,
      );
      io.out(
        `  Web UI codec endpoint: ${server.url} (origins allowed to read answers: ${origins.join(', ') || 'none'})`,
      );
      if (loginUrl)
        io.out(
          `  Web UI in a browser: sign in at ${loginUrl}, then tick "Include cross-origin credentials" in the UI's codec settings`,
        );
    }
    await untilStopSignal();
    await server.close();
    return 0;
  },
};
