// Structured logs: one JSON object per line on stderr, so they can be shipped as they are. Every string in a line
// is passed through the credential-shape redactor: a reason or an error may quote what a tool wrote.
import { redactSecretShapesDeep } from '../schemas/secret-shapes.ts';

export type Log = (event: string, fields?: Record<string, unknown>) => void;

export function jsonLog(
  component: string,
  write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Log {
  return (event, fields = {}) =>
    write(
      JSON.stringify(redactSecretShapesDeep({ time: new Date().toISOString(), component, event, ...fields })),
    );
}

export const silentLog: Log = () => {};
