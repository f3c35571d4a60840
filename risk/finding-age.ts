// A finding older than the policy's maxFindingAgeForAction is kept on the record but is never a reason to act:
// a new consumer group reading a topic from its beginning must not rotate keys over last year's findings.
// Pure: `now` is an argument.

/** "30d", "12h", "90m" → milliseconds (the policy schema admits only these forms). */
export function durationMs(text: string): number {
  const m = /^([1-9]\d*)([dhm])$/.exec(text);
  if (!m) throw new Error(`not a duration like 30d, 12h or 90m: ${JSON.stringify(text)}`);
  const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm'];
  return Number(m[1]) * unit;
}

export interface AgedFinding {
  /** When the tool says it happened (the Unix epoch when the tool wrote no time). */
  time: string;
  /** When we first received it: the stand-in when the tool's time is unknown. */
  firstSeen?: string;
}

/** The finding's own time, else when we first saw it; undefined when neither is a readable time. */
function findingInstant(f: AgedFinding): number | undefined {
  const own = Date.parse(f.time);
  if (!Number.isNaN(own) && own !== 0) return own;
  const seen = f.firstSeen === undefined ? Number.NaN : Date.parse(f.firstSeen);
  return Number.isNaN(seen) ? undefined : seen;
}

/** Older than maxAge at `now`? No max age, or no readable time, is never too old: enforcement is the default. */
export function isTooOldToAct(f: AgedFinding, now: string, maxAge: string | undefined): boolean {
  if (maxAge === undefined) return false;
  const at = findingInstant(f);
  if (at === undefined) return false;
  return Date.parse(now) - at > durationMs(maxAge);
}
