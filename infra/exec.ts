// Running the install tools (mvn, go, pip) and finding them on PATH.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { StackError } from './errors.ts';

/** Absolute path of an executable on PATH, or undefined. */
export function findOnPath(tool: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, tool);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

/** Fail early, before any download, when a tool the install needs is missing. */
export function requireTool(service: string, tool: string, fix: string): string {
  const found = findOnPath(tool);
  if (!found) throw new StackError(service, `${tool} not found on PATH`, fix);
  return found;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Run to completion; on failure the error carries the last line the tool printed. */
export function run(cmd: string, args: string[], options: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs,
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000); // enough for the error, bounded
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) return resolve(output);
      reject(new Error(`${cmd} exited with ${signal ?? code}: ${failureLine(output)}`));
    });
  });
}

/** The line that explains a failure: mvn and pip print an ERROR line first, go its last line. */
export function failureLine(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.find((l) => /^(\[ERROR\]|ERROR:)\s*\S/.test(l)) ?? lines.at(-1) ?? '(no output)';
}
