// The directory in force: NHI_DIRECTORY_FILE, else the file the policy names (relative to the policy file). Read at
// each request, so an edit applies to requests opened afterwards; a request keeps the snapshot it opened with.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { type DirectorySnapshot, safeParseDirectory, snapshotOf } from '../schemas/directory.ts';
import { durationMs } from '../schemas/duration.ts';
import { DEFAULT_DECISIONS, type ExceptionLimits, type Policy } from '../schemas/policy.ts';
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

/**
 * A snapshot, never a throw: a missing or bad directory is an empty one that says why (so refusals can). It carries
 * the policy's decision settings that the workflow checks against it: the skew, and the pinned directory hash.
 */
export function currentDirectory(): DirectorySnapshot {
  const snapshot = directorySnapshot();
  let settings = DEFAULT_DECISIONS;
  try {
    settings = loadPolicy().decisions ?? DEFAULT_DECISIONS;
  } catch {
    // the policy is reported where it is loaded for enforcement; the defaults hold here
  }
  return {
    ...snapshot,
    maxSkewSeconds: (durationMs(settings.maxSkew) ?? 600_000) / 1000,
    roles: { brakes: [...settings.brakes], registrants: [...settings.registrants] },
    ...(settings.directoryHash ? { pin: settings.directoryHash } : {}),
  };
}

function directorySnapshot(): DirectorySnapshot {
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
  /** Who may retry a remediation (policy decisions.retriers). */
  retriers?: string[];
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
        retriers: policy.decisions.retriers,
      };
    },
  };
}

/**
 * What `nhi policy check` says about the people directory beyond what the worker checks at start. Errors: no
 * directory named, or one that cannot be read. Warnings: one per approval, escalation, exception-approver or
 * requester group nobody belongs to, with the command that fixes it: the worker starts without them (the shipped
 * directory lists nobody until people add themselves), but what such a group must decide can never be decided.
 */
export function directoryProblems(
  policy: Policy,
  policyFile: string,
): { errors: string[]; warnings: string[] } {
  const path =
    process.env.NHI_DIRECTORY_FILE ||
    (policy.directory ? resolve(dirname(policyFile), policy.directory) : undefined);
  const error = (line: string) => ({ errors: [line], warnings: [] });
  if (!path)
    return policy.rules.some((r) => r.approval) || (policy.protectedActions ?? []).length
      ? error(
          `${policyFile}: directory: missing, so nobody can approve the rules with mode approval or request protected actions`,
        )
      : { errors: [], warnings: [] };
  let directory: DirectorySnapshot;
  try {
    directory = existsSync(path) ? loadDirectoryFile(path) : { people: {}, source: path, note: 'missing' };
  } catch (e) {
    return error(`${policyFile}: directory: ${(e as Error).message}`);
  }
  if (directory.note === 'missing') return error(`${policyFile}: directory: ${path} does not exist`);
  const members = new Set(Object.values(directory.people).flatMap((p) => p.groups));
  // Group → the places in the policy that name it, in the order the policy names them.
  const empty = new Map<string, string[]>();
  const check = (group: string, at: string) => {
    if (!members.has(group)) empty.set(group, [...(empty.get(group) ?? []), at]);
  };
  policy.rules.forEach((rule, i) => {
    if (!rule.approval) return;
    for (const group of Object.keys(rule.approval.groups))
      check(group, `rules[${i}](${rule.id}).approval.groups.${group}`);
    const onTimeout = rule.approval.onTimeout;
    if (typeof onTimeout === 'object')
      check(onTimeout.escalate, `rules[${i}](${rule.id}).approval.onTimeout.escalate`);
  });
  for (const group of policy.exceptions.approvers) check(group, 'exceptions.approvers');
  (policy.protectedActions ?? []).forEach((a, i) => {
    const at = `protectedActions[${i}](${a.name})`;
    for (const group of a.requesters.groups) check(group, `${at}.requesters.groups`);
    for (const group of Object.keys(a.approval?.groups ?? {})) check(group, `${at}.approval.groups.${group}`);
    const onTimeout = a.approval?.onTimeout;
    if (typeof onTimeout === 'object') check(onTimeout.escalate, `${at}.approval.onTimeout.escalate`);
  });
  // Relative to where the command runs when it is below it: the path a user types next.
  const below = relative(process.cwd(), path);
  const shown = below.startsWith('..') || isAbsolute(below) ? path : below;
  const warnings = [...empty].map(
    ([group, places]) =>
      `${policyFile}: nobody in the directory ${shown} belongs to ${group} (named by ${places.join(', ')}), ` +
      `so what it must decide is never decided; to add yourself run nhi keys new --as you@example.com and add the ` +
      `entry it prints to ${shown} with groups: [${group}]`,
  );
  return { errors: [], warnings };
}
