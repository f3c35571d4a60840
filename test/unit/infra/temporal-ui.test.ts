// The local Temporal's Web UI flags: headless unless NHI_TEMPORAL_UI_PORT asks for the UI, then loopback only.
import { describe, expect, it } from 'vitest';
import { temporalUi, temporalUiArgs } from '../../../infra/services/temporal-ui.ts';

describe('temporal web ui', () => {
  it('is off by default: the dev server runs headless', () => {
    expect(temporalUi({})).toBeUndefined();
    expect(temporalUiArgs(temporalUi({ NHI_TEMPORAL_UI_PORT: 'off' }))).toEqual(['--headless']);
  });

  it('on a port: loopback, no newsfeed, and the codec endpoint when one is given', () => {
    expect(temporalUiArgs(temporalUi({ NHI_TEMPORAL_UI_PORT: '8233' }))).toEqual([
      '--ui-ip',
      '127.0.0.1',
      '--ui-port',
      '8233',
      '--ui-disable-news-fetch',
    ]);
    expect(
      temporalUiArgs(
        temporalUi({ NHI_TEMPORAL_UI_PORT: '8233', NHI_TEMPORAL_UI_CODEC_ENDPOINT: 'http://127.0.0.1:8888' }),
      ).slice(-2),
    ).toEqual(['--ui-codec-endpoint', 'http://127.0.0.1:8888']);
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
