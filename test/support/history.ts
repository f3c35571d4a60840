// A workflow history as searchable text: every payload decrypted and decoded, so a test can prove a value never
// entered it (searching ciphertext would prove nothing).
import type { Client } from '@temporalio/client';
import { fetchHistory } from '../../evidence/fetch-history.ts';
import { payloadCodec } from '../../runtime/connections.ts';
import { decryptPayloadsInPlace } from '../../runtime/payload-codec.ts';

function collectPayloadText(value: unknown, out: string[], depth = 0): void {
  if (depth > 40 || value === null || typeof value !== 'object') return;
  if (value instanceof Uint8Array) {
    out.push(Buffer.from(value).toString('utf8'));
    return;
  }
  for (const inner of Object.values(value)) collectPayloadText(inner, out, depth + 1);
}

export async function historyText(client: Client, workflowId: string): Promise<string> {
  const history = await fetchHistory(client, workflowId);
  await decryptPayloadsInPlace(history, await payloadCodec());
  const parts: string[] = [];
  collectPayloadText(history, parts);
  return parts.join('\n');
}
