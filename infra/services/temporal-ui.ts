// Temporal's Web UI on the local stack, for reviewers browsing histories: on 127.0.0.1 only, with no newsfeed fetch,
// decoding payloads in the reviewer's browser through the project's codec server (`nhi codec-server`).
//
// Ports derive from the Temporal port unless set: the UI on Temporal's + 1000 (the CLI's own default), the codec
// server on the UI's + 1. NHI_TEMPORAL_UI_PORT=off runs the dev server headless; NHI_TEMPORAL_UI_CODEC_ENDPOINT
// points the UI at another codec server (`none`: no codec endpoint).
import { localPorts } from '../endpoints.ts';

export interface TemporalUi {
  port: number;
  /** The UI's own origin, as the reviewer's browser sees it. */
  origin: string;
  codecEndpoint?: string;
}

function portFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port <= 0 || port > 65535)
    throw new Error(`${name}=${raw} is not a port number`);
  return port;
}

/** The port `nhi codec-server` listens on by default: the one the local stack's UI decodes through. */
export function localCodecPort(env: NodeJS.ProcessEnv = process.env): number {
  const uiPort = env.NHI_TEMPORAL_UI_PORT === 'off' ? undefined : temporalUi(env)?.port;
  return portFrom(
    env,
    'NHI_CODEC_PORT',
    (uiPort ?? portFrom(env, 'NHI_TEMPORAL_PORT', localPorts().temporal) + 1000) + 1,
  );
}

export function temporalUi(env: NodeJS.ProcessEnv = process.env): TemporalUi | undefined {
  const raw = env.NHI_TEMPORAL_UI_PORT;
  if (raw === 'off') return undefined;
  const temporalPort = portFrom(env, 'NHI_TEMPORAL_PORT', localPorts().temporal);
  const port = portFrom(env, 'NHI_TEMPORAL_UI_PORT', temporalPort + 1000);
  const given = env.NHI_TEMPORAL_UI_CODEC_ENDPOINT;
  if (given && given !== 'none' && !/^https?:\/\/[^/]+/.test(given))
    throw new Error(`NHI_TEMPORAL_UI_CODEC_ENDPOINT=${given} is not an http(s) URL`);
  const codecEndpoint =
    given === 'none' ? undefined : given || `http://127.0.0.1:${portFrom(env, 'NHI_CODEC_PORT', port + 1)}`;
  return { port, origin: `http://127.0.0.1:${port}`, ...(codecEndpoint ? { codecEndpoint } : {}) };
}

/** Whether `host:port` is this machine's loopback at the local stack's Temporal port (NHI_TEMPORAL_ADDRESS set to it). */
export function isLocalTemporalAddress(address: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address.trim());
  if (!m) return false;
  const loopback = m[1] === 'localhost' || m[1] === '::1' || /^127\.\d+\.\d+\.\d+$/.test(m[1]!);
  return loopback && Number(m[2]) === portFrom(env, 'NHI_TEMPORAL_PORT', localPorts().temporal);
}

/** The local stack's Web UI base URL, unless the UI is off or Temporal is not the local stack's. */
export function localWebUi(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const address = env.NHI_TEMPORAL_ADDRESS;
  if (address && !isLocalTemporalAddress(address, env)) return undefined;
  return temporalUi(env)?.origin;
}

/**
 * The Web UI base links point at: `given` (--web-ui), else NHI_TEMPORAL_WEB_UI, else the local stack's when
 * Temporal is the local stack. With none, `missing` says why and how to get links (for one line on stderr).
 */
export function webUiBase(
  given: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): { url?: string; missing?: string } {
  const url = given ?? (env.NHI_TEMPORAL_WEB_UI || undefined) ?? localWebUi(env);
  if (url) return { url };
  const address = env.NHI_TEMPORAL_ADDRESS;
  return {
    missing:
      address && !isLocalTemporalAddress(address, env)
        ? `no Temporal Web UI known for ${address}, so no links to it: pass --web-ui URL or set NHI_TEMPORAL_WEB_UI`
        : 'the local Temporal Web UI is off (NHI_TEMPORAL_UI_PORT=off), so no links to it: pass --web-ui URL or set NHI_TEMPORAL_WEB_UI',
  };
}

/** The dev server's UI flags: headless, or the UI on loopback. */
export function temporalUiArgs(ui: TemporalUi | undefined): string[] {
  if (!ui) return ['--headless'];
  return [
    '--ui-ip',
    '127.0.0.1',
    '--ui-port',
    String(ui.port),
    '--ui-disable-news-fetch',
    ...(ui.codecEndpoint ? ['--ui-codec-endpoint', ui.codecEndpoint] : []),
  ];
}
