// Histories as evidence reads them: payloads decoded generically, and codec-encoded payloads (encryption,
// compression) decoded before they are written, so the export reads without the codec's keys.
import type { Payload, PayloadCodec } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { decodeHistoryJson, historyJson } from '../../../evidence/history-json.ts';

/** A stand-in for an encrypting codec: the payload as JSON, its bytes reversed, under its own encoding. */
const b64 = (b?: Uint8Array | null) => Buffer.from(b ?? []).toString('base64');
const reversing: PayloadCodec = {
  async encode(payloads: Payload[]) {
    return payloads.map((p) => {
      const meta = Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, b64(v)]));
      const json = JSON.stringify({ meta, data: b64(p.data) });
      return {
        metadata: { encoding: new TextEncoder().encode('binary/reversed') },
        data: new Uint8Array(Buffer.from(json).reverse()),
      };
    });
  },
  async decode(payloads: Payload[]) {
    return payloads.map((p) => {
      const { meta, data } = JSON.parse(Buffer.from(p.data!).reverse().toString('utf8')) as {
        meta: Record<string, string>;
        data: string;
      };
      const metadata = Object.fromEntries(
        Object.entries(meta).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))]),
      );
      return { metadata, data: new Uint8Array(Buffer.from(data, 'base64')) };
    });
  },
};

async function history(payload: Payload) {
  return {
    events: [
      {
        eventId: 1,
        eventTime: { seconds: 1, nanos: 0 },
        eventType: 1, // EVENT_TYPE_WORKFLOW_EXECUTION_STARTED
        workflowExecutionStartedEventAttributes: {
          workflowType: { name: 'remediationWorkflow' },
          input: { payloads: [payload] },
        },
      },
    ],
  } as never;
}

describe('history JSON', () => {
  const value = { action: 'deactivate-key', findingIds: ['f_1'] };
  const plain = defaultPayloadConverter.toPayload(value)!;

  it('decodes JSON payloads anywhere in an event, and names the event type', async () => {
    const [event] = decodeHistoryJson(await historyJson(await history(plain)));
    expect(event).toMatchObject({ id: 1, type: 'WorkflowExecutionStarted', attrs: { input: [value] } });
  });

  it('decodes codec-encoded payloads with the configured codecs before writing them', async () => {
    const [encoded] = await reversing.encode([plain]);
    const withoutCodec = decodeHistoryJson(await historyJson(await history(encoded!)));
    expect(withoutCodec[0]!.attrs.input).toEqual([
      { encoding: 'binary/reversed', bytes: expect.any(Number) },
    ]);
    const withCodec = decodeHistoryJson(await historyJson(await history(encoded!), [reversing]));
    expect(withCodec[0]!.attrs.input).toEqual([value]);
  });
});
