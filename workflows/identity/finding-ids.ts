// Every finding id an identity has seen, packed for continue-as-new: the ids are the dedup set and are kept for
// all findings ever delivered, so they dominate the carried state. A canonical id (`f_` + 32 hex digits, 37 bytes
// as a JSON array item) packs into 22 base64url characters; other ids are kept as they are, with their position.
// Pure and workflow-safe (no Buffer in the workflow sandbox).

export interface PackedFindingIds {
  /** Canonical ids, PACKED_WIDTH characters each, in arrival order (other ids left out). */
  packed: string;
  /** Ids that are not canonical, with their index in the full arrival order. */
  other: Array<[number, string]>;
}

const CANONICAL = /^f_[0-9a-f]{32}$/;
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64_INDEX = new Map([...B64].map((c, i) => [c, i]));
export const PACKED_WIDTH = 22;

/** 32 hex digits → 22 characters: ten groups of 3 hex (12 bits → 2 chars), then the last 2 hex (8 bits → 2 chars). */
function packOne(hex: string): string {
  let out = '';
  for (let i = 0; i < 30; i += 3) {
    const v = Number.parseInt(hex.slice(i, i + 3), 16);
    out += B64[v >> 6]! + B64[v & 63]!;
  }
  const last = Number.parseInt(hex.slice(30, 32), 16);
  return out + B64[last >> 6]! + B64[last & 63]!;
}

function unpackOne(chars: string): string {
  let hex = '';
  const at = (i: number) => B64_INDEX.get(chars[i]!) ?? 0;
  for (let i = 0; i < 20; i += 2) hex += ((at(i) << 6) | at(i + 1)).toString(16).padStart(3, '0');
  return `f_${hex}${((at(20) << 6) | at(21)).toString(16).padStart(2, '0')}`;
}

export function packFindingIds(ids: readonly string[]): PackedFindingIds {
  const parts: string[] = [];
  const other: Array<[number, string]> = [];
  ids.forEach((id, index) => {
    if (CANONICAL.test(id)) parts.push(packOne(id.slice(2)));
    else other.push([index, id]);
  });
  return { packed: parts.join(''), other };
}

export function unpackFindingIds({ packed, other }: PackedFindingIds): string[] {
  const canonical: string[] = [];
  for (let i = 0; i + PACKED_WIDTH <= packed.length; i += PACKED_WIDTH)
    canonical.push(unpackOne(packed.slice(i, i + PACKED_WIDTH)));
  if (other.length === 0) return canonical;
  const out: string[] = [];
  let next = 0;
  for (const [index, id] of [...other].sort((a, b) => a[0] - b[0])) {
    while (out.length < index && next < canonical.length) out.push(canonical[next++]!);
    out.push(id);
  }
  while (next < canonical.length) out.push(canonical[next++]!);
  return out;
}
