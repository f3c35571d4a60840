// Structured logs: one JSON object per line on stderr, so they can be shipped as they are.
export type Log = (event: string, fields?: Record<string, unknown>) => void;

export function jsonLog(
  component: string,
  write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Log {
  return (event, fields = {}) =>
    write(JSON.stringify({ time: new Date().toISOString(), component, event, ...fields }));
}

export const silentLog: Log = () => {};
