// The enforcement policy in force: NHI_POLICY_FILE, else policies/default.yaml. Read again at every use, so a
// change applies from the next assessment without a restart; each assessment records the SHA-256 of the file it
// used. A file that stops being valid is reported and the last valid one stays in force; with none valid yet
// (start-up), it is an error: the worker refuses to start (runtime/pipeline.ts).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { Policy } from '../schemas/policy.ts';
import { PolicyError } from '../schemas/policy.ts';
import { policyTextErrors } from '../schemas/policy-file.ts';
import { type MeaningContext, policyMeaningErrors } from '../schemas/policy-meaning.ts';

export const defaultPolicyPath = fileURLToPath(new URL('../policies/default.yaml', import.meta.url));

export function policyPath(): string {
  return process.env.NHI_POLICY_FILE || defaultPolicyPath;
}

export interface PolicyInForce {
  policy: Policy;
  /** `sha256:<hex>` of the policy file's bytes. */
  hash: string;
  path: string;
  /** Identity ARN → owner, from the policy's owners file (empty without one). */
  owners: Record<string, string>;
}

export type PolicyCheck = { ok: true; policy: PolicyInForce } | { ok: false; errors: string[] };

/**
 * What the meaning check knows beyond the policy itself, for every reader (nhi policy check, worker start, reload).
 * The hook for checks that need other files: e.g. approval groups nobody in the people directory belongs to.
 */
export function defaultMeaningContext(): MeaningContext {
  return {};
}

const sha256 = (bytes: Buffer | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

function readOwners(file: string, policyFile: string): { owners: Record<string, string>; error?: string } {
  const path = resolve(dirname(policyFile), file);
  let value: unknown;
  try {
    value = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    return { owners: {}, error: `${policyFile}: ownership.file: cannot read ${path}: ${firstLine(error)}` };
  }
  const entries = value && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value) : [];
  const bad = entries.find(([, v]) => typeof v !== 'string' || !v);
  if (!entries.length || bad)
    return {
      owners: {},
      error: `${policyFile}: ownership.file: ${path} must map identity ARNs to owner names${bad ? ` (${bad[0]} does not)` : ''}`,
    };
  return { owners: Object.fromEntries(entries) as Record<string, string> };
}

const firstLine = (error: unknown) => String((error as Error)?.message ?? error).split('\n')[0];

/** Syntax, schema and meaning errors of a policy file, one line each; or the policy with its hash. */
export function checkPolicyFile(
  path: string,
  context: MeaningContext = defaultMeaningContext(),
): PolicyCheck {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    return { ok: false, errors: [`${path}: cannot read: ${firstLine(error)}`] };
  }
  const parsed = policyTextErrors(bytes.toString('utf8'), path);
  if (!parsed.policy) return { ok: false, errors: parsed.errors };
  const errors = policyMeaningErrors(parsed.policy, context).map((e) => `${path}: ${e}`);
  const owners = parsed.policy.ownership.file
    ? readOwners(parsed.policy.ownership.file, path)
    : { owners: {} };
  if (owners.error) errors.push(owners.error);
  if (errors.length) return { ok: false, errors };
  return { ok: true, policy: { policy: parsed.policy, hash: sha256(bytes), path, owners: owners.owners } };
}

export interface PolicySourceOptions {
  /** The file to read (default: NHI_POLICY_FILE at each read, else policies/default.yaml). */
  path?: string | (() => string);
  /** Told once per invalid version of the file while an earlier valid one stays in force. */
  onInvalid?: (errors: string[], kept: PolicyInForce) => void;
  context?: MeaningContext;
}

/** A reader of the policy in force: the file's current content at each call (parsed again only when it changed). */
export function createPolicySource(opts: PolicySourceOptions = {}): () => PolicyInForce {
  const pathOf = typeof opts.path === 'function' ? opts.path : () => (opts.path as string) ?? policyPath();
  let good: PolicyInForce | undefined;
  let lastBadHash: string | undefined;
  return () => {
    const path = pathOf();
    let bytes: Buffer | undefined;
    try {
      bytes = readFileSync(path);
    } catch {
      bytes = undefined;
    }
    const hash = bytes ? sha256(bytes) : undefined;
    if (good && hash === good.hash && path === good.path) return good;
    const checked = checkPolicyFile(path, opts.context);
    if (checked.ok) {
      good = checked.policy;
      lastBadHash = undefined;
      return good;
    }
    if (!good) throw new PolicyError(checked.errors.join('; '));
    if (lastBadHash !== hash) opts.onInvalid?.(checked.errors, good);
    lastBadHash = hash;
    return good;
  };
}

const shared = createPolicySource();

/** The policy in force (NHI_POLICY_FILE, else the default), as `createPolicySource` reads it. */
export function loadPolicy(): Policy {
  return shared().policy;
}
