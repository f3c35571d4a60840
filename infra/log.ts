// Progress output of the stack: one line per step, sent to stderr by the CLI.
export type Log = (line: string) => void;

export const silent: Log = () => {};
