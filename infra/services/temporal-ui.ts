// Temporal's Web UI on the local stack, for reviewers browsing histories: off unless NHI_TEMPORAL_UI_PORT is set;
// then on 127.0.0.1 only, with no newsfeed fetch, and decoding payloads through NHI_TEMPORAL_UI_CODEC_ENDPOINT when
// one is given (a codec server the reviewer's browser can reach).

export interface TemporalUi {
  port: number;
  codecEndpoint?: string;
}

export function temporalUi(env: NodeJS.ProcessEnv = process.env): TemporalUi | undefined {
  const raw = env.NHI_TEMPORAL_UI_PORT;
  if (raw === undefined || raw === '' || raw === 'off') return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port <= 0 || port > 65535)
    throw new Error(`NHI_TEMPORAL_UI_PORT=${raw} is not a port number`);
  const codecEndpoint = env.NHI_TEMPORAL_UI_CODEC_ENDPOINT || undefined;
  if (codecEndpoint && !/^https?:\/\//.test(codecEndpoint))
    throw new Error(`NHI_TEMPORAL_UI_CODEC_ENDPOINT=${codecEndpoint} is not an http(s) URL`);
  return { port, ...(codecEndpoint ? { codecEndpoint } : {}) };
}

/** The dev server's UI flags: headless, or the UI on loopback. */
export function temporalUiArgs(ui = temporalUi()): string[] {
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
