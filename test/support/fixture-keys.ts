// Recorded histories hold the access-key ids moto generated while recording. Committed fixtures carry AWS-style
// EXAMPLE ids instead, so no real-looking key id lands in the repository (and secret scanners stay quiet). The
// same id is replaced the same way everywhere, in plain text and inside base64 payloads, so replay still matches.

const ACCESS_KEY_ID = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g;
const PAYLOAD_DATA = /("data":\s*")([A-Za-z0-9+/]+={0,2})(")/g;

/** `AKIAFIXTURE01EXAMPLE`, `AKIAFIXTURE02EXAMPLE`, …: the same length as a real id, and plainly fake. */
const exampleId = (n: number) => `AKIAFIXTURE${String(n).padStart(2, '0')}EXAMPLE`;

/** `historyJson` with every access-key id replaced by an EXAMPLE id (one per distinct id, in order of first use). */
export function withExampleAccessKeys(historyJson: string): string {
  const ids = new Map<string, string>();
  const swap = (text: string) =>
    text.replace(ACCESS_KEY_ID, (id) => {
      if (id.endsWith('EXAMPLE')) return id;
      if (!ids.has(id)) ids.set(id, exampleId(ids.size + 1));
      return ids.get(id)!;
    });
  // Payloads first: the order of first use then follows the history, whichever form an id first appears in.
  const decoded = historyJson.replace(PAYLOAD_DATA, (whole, open: string, data: string, close: string) => {
    const text = Buffer.from(data, 'base64').toString('utf8');
    // Only payloads that are text round-trip safely; anything else is left as it is.
    if (Buffer.from(text, 'utf8').toString('base64') !== data) return whole;
    const swapped = swap(text);
    return swapped === text ? whole : `${open}${Buffer.from(swapped, 'utf8').toString('base64')}${close}`;
  });
  return swap(decoded);
}
