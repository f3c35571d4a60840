// The last meaningful line of a service log, for one-line startup errors.
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';

/** Skips stack-trace frames, which say where but not what. */
export function lastMeaningfulLine(text: string): string | undefined {
  const lines = text
    .split('\n')
    .filter((l) => l.trim() && !/^\s+at |^\s*\.\.\. \d+ more|^\s*Caused by:\s*$/.test(l));
  return lines.at(-1)?.trim();
}

export function lastLogLine(file: string, bytes = 16_384): string | undefined {
  if (!existsSync(file)) return undefined;
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(bytes, size);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return lastMeaningfulLine(buffer.toString('utf8'));
  } finally {
    closeSync(fd);
  }
}
