// A finding older than the policy's maxFindingAgeForAction is kept on the record but is never a reason to act:
// a new consumer group reading a topic from its beginning must not rotate keys over last year's findings. Its age
// counts from the newer of the tool's time and when the report reached us (the Kafka message's timestamp): a
// scanner's finding carries the leaking commit's date, which may be years old while the report is today's.
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
  /** When the report reached us (the Kafka message's timestamp). */
  reportedAt?: string;
}

/**
 * The newer of the finding's own time and when it was reported, else when we first saw it; undefined when none is
 * a readable time.
 */
function findingInstant(f: AgedFinding): number | undefined {
  const own = Date.parse(f.time);
  const reported = f.reportedAt === undefined ? Number.NaN : Date.parse(f.reportedAt);
  const known = [own, reported].filter((t) => !Number.isNaN(t) && t !== 0);
  if (known.length) return Math.max(...known);
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
