// The directory in force: NHI_DIRECTORY_FILE, else the file the policy names (relative to the policy file). Read at
// each request, so an edit applies to requests opened afterwards; a request keeps the snapshot it opened with.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { type DirectorySnapshot, safeParseDirectory, snapshotOf } from '../schemas/directory.ts';
import type { ExceptionLimits } from '../schemas/policy.ts';
import { loadPolicy, policyPath } from './policy-source.ts';

export class DirectoryError extends Error {
  override readonly name = 'DirectoryError';
}

export function directoryPath(): string | undefined {
  if (process.env.NHI_DIRECTORY_FILE) return process.env.NHI_DIRECTORY_FILE;
  const named = loadPolicy().directory;
  return named ? resolve(dirname(policyPath()), named) : undefined;
}

/** The directory file parsed and validated; DirectoryError with one line when it is bad. */
export function loadDirectoryFile(path: string): DirectorySnapshot {
  let value: unknown;
  try {
    value = parse(readFileSync(path, 'utf8'), { uniqueKeys: true });
  } catch (error) {
    throw new DirectoryError(`${path}: ${(error as Error).message.split('\n')[0]}`);
  }
  const parsed = safeParseDirectory(value, path);
  if (!parsed.ok) throw new DirectoryError(parsed.error);
  return snapshotOf(parsed.directory, path);
}

/** A snapshot, never a throw: a missing or bad directory is an empty one that says why (so refusals can). */
export function currentDirectory(): DirectorySnapshot {
  const path = directoryPath();
  if (!path) return { people: {}, source: 'none', note: 'the policy names no directory' };
  if (!existsSync(path)) return { people: {}, source: path, note: `directory ${path} does not exist` };
  try {
    return loadDirectoryFile(path);
  } catch (error) {
    return { people: {}, source: path, note: (error as Error).message };
  }
}

export interface ExceptionContext {
  directory: DirectorySnapshot;
  limits: ExceptionLimits;
  /** Actions the policy's rules name: an exception must be for one of them (or a built-in that applies). */
  ruleActions: string[];
}

export function createDirectoryActivities() {
  return {
    async loadDirectory(): Promise<DirectorySnapshot> {
      return currentDirectory();
    },
    async exceptionContext(): Promise<ExceptionContext> {
      const policy = loadPolicy();
      return {
        directory: currentDirectory(),
        limits: policy.exceptions,
        ruleActions: [...new Set(policy.rules.map((r) => r.action))],
      };
    },
  };
}
