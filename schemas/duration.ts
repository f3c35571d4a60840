// Durations as people write them in policies and on the command line: `30m`, `72h`, `7d`. Pure: workflow code
// converts them with durationMs.
import { z } from 'zod';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^([1-9]\d{0,5})(m|h|d)$/;

/** Milliseconds, or undefined when the text is not a duration. */
export function durationMs(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : undefined;
}

export const Duration = z.string().refine((s) => durationMs(s) !== undefined, {
  message: 'must be a duration such as 30m, 72h or 7d',
});

/** `3d 4h` / `45m`: time left, for people. */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0m';
  const d = Math.floor(ms / UNIT_MS.d);
  const h = Math.floor((ms % UNIT_MS.d) / UNIT_MS.h);
  const m = Math.ceil((ms % UNIT_MS.h) / UNIT_MS.m);
  if (d) return h ? `${d}d ${h}h` : `${d}d`;
  if (h) return m && m < 60 ? `${h}h ${m}m` : `${h}h`;
  return `${m}m`;
}
