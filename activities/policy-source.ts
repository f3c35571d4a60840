// The enforcement policy in force: NHI_POLICY_FILE, else policies/default.yaml. Read once per process; a bad
// file is a clear error at first use rather than a silent fallback.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Policy } from '../schemas/policy.ts';
import { parsePolicyText } from '../schemas/policy-file.ts';

export const defaultPolicyPath = fileURLToPath(new URL('../policies/default.yaml', import.meta.url));

let cached: { path: string; policy: Policy } | undefined;

export function policyPath(): string {
  return process.env.NHI_POLICY_FILE || defaultPolicyPath;
}

export function loadPolicy(path = policyPath()): Policy {
  if (cached?.path === path) return cached.policy;
  const policy = parsePolicyText(readFileSync(path, 'utf8'), path);
  cached = { path, policy };
  return policy;
}
