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

/** The local stack's Web UI base URL, unless the UI is off or Temporal is not the local stack's. */
export function localWebUi(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.NHI_TEMPORAL_ADDRESS) return undefined;
  return temporalUi(env)?.origin;
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
