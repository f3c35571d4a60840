// The local Temporal's Web UI flags: on by default (loopback, ports derived from Temporal's), decoding through the
// codec server's port; headless with NHI_TEMPORAL_UI_PORT=off.
import { describe, expect, it } from 'vitest';
import {
  isLocalTemporalAddress,
  localCodecPort,
  localWebUi,
  temporalUi,
  temporalUiArgs,
  webUiBase,
} from '../../../infra/services/temporal-ui.ts';

describe('temporal web ui', () => {
  it('is on by default: the UI on Temporal’s port + 1000, the codec endpoint on the UI’s + 1', () => {
    const env = { NHI_TEMPORAL_PORT: '7233' };
    expect(temporalUi(env)).toEqual({
      port: 8233,
      origin: 'http://127.0.0.1:8233',
      codecEndpoint: 'http://127.0.0.1:8234',
    });
    expect(localCodecPort(env)).toBe(8234);
    expect(localWebUi(env)).toBe('http://127.0.0.1:8233');
    expect(temporalUiArgs(temporalUi(env))).toEqual([
      '--ui-ip',
      '127.0.0.1',
      '--ui-port',
      '8233',
      '--ui-disable-news-fetch',
      '--ui-codec-endpoint',
      'http://127.0.0.1:8234',
    ]);
  });

  it('ports and endpoint are configurable; off runs headless; another Temporal gets no local link', () => {
    const env = { NHI_TEMPORAL_PORT: '7233', NHI_TEMPORAL_UI_PORT: '9000' };
    expect(temporalUi(env)?.codecEndpoint).toBe('http://127.0.0.1:9001');
    expect(temporalUi({ ...env, NHI_CODEC_PORT: '9100' })?.codecEndpoint).toBe('http://127.0.0.1:9100');
    expect(localCodecPort({ ...env, NHI_CODEC_PORT: '9100' })).toBe(9100);
    expect(
      temporalUi({ ...env, NHI_TEMPORAL_UI_CODEC_ENDPOINT: 'https://codec.example' })?.codecEndpoint,
    ).toBe('https://codec.example');
    expect(temporalUiArgs(temporalUi({ ...env, NHI_TEMPORAL_UI_CODEC_ENDPOINT: 'none' }))).not.toContain(
      '--ui-codec-endpoint',
    );
    expect(temporalUiArgs(temporalUi({ NHI_TEMPORAL_UI_PORT: 'off' }))).toEqual(['--headless']);
    expect(localWebUi({ NHI_TEMPORAL_UI_PORT: 'off' })).toBeUndefined();
    expect(localWebUi({ ...env, NHI_TEMPORAL_ADDRESS: 'temporal.example:7233' })).toBeUndefined();
  });

  it('links to the local UI when NHI_TEMPORAL_ADDRESS is the local stack (loopback, local port); else to the configured UI, or says how to get one', () => {
    const env = { NHI_TEMPORAL_PORT: '7233' };
    for (const address of ['127.0.0.1:7233', 'localhost:7233', '[::1]:7233']) {
      expect(isLocalTemporalAddress(address, env)).toBe(true);
      expect(webUiBase(undefined, { ...env, NHI_TEMPORAL_ADDRESS: address })).toEqual({
        url: 'http://127.0.0.1:8233',
      });
    }
    for (const address of ['127.0.0.1:7234', 'temporal.example:7233', '10.0.0.1:7233'])
      expect(isLocalTemporalAddress(address, env)).toBe(false);
    const remote = { ...env, NHI_TEMPORAL_ADDRESS: 'temporal.example:7233' };
    expect(webUiBase(undefined, remote)).toEqual({
      missing:
        'no Temporal Web UI known for temporal.example:7233, so no links to it: pass --web-ui URL or set NHI_TEMPORAL_WEB_UI',
    });
    expect(webUiBase(undefined, { ...remote, NHI_TEMPORAL_WEB_UI: 'https://ui.example' })).toEqual({
      url: 'https://ui.example',
    });
    expect(
      webUiBase('https://given.example', { ...remote, NHI_TEMPORAL_WEB_UI: 'https://ui.example' }),
    ).toEqual({
      url: 'https://given.example',
    });
    expect(webUiBase(undefined, { NHI_TEMPORAL_UI_PORT: 'off' }).missing).toMatch(
      /^the local Temporal Web UI is off \(NHI_TEMPORAL_UI_PORT=off\), so no links to it: pass --web-ui URL/,
    );
  });

  it('refuses a bad port or endpoint with one line', () => {
    expect(() => temporalUi({ NHI_TEMPORAL_UI_PORT: 'ui' })).toThrow(
      /NHI_TEMPORAL_UI_PORT=ui is not a port number/,
    );
    expect(() =>
      temporalUi({ NHI_TEMPORAL_UI_PORT: '1', NHI_TEMPORAL_UI_CODEC_ENDPOINT: 'file:///x' }),
    ).toThrow(/not an http\(s\) URL/);
  });
});
