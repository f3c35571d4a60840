// The one-line failure every stack step reports: which service, what went wrong, how to fix it.

/** Collapse a message to one short line (tool output often spans many). */
export function oneLine(text: string, max = 200): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export function formatStackError(service: string, reason: string, fix?: string): string {
  return `${service}: ${oneLine(reason)}${fix ? ` — ${oneLine(fix)}` : ''}`;
}

export class StackError extends Error {
  constructor(
    readonly service: string,
    readonly reason: string,
    readonly fix?: string,
  ) {
    super(formatStackError(service, reason, fix));
    this.name = 'StackError';
  }
}
