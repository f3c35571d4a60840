// The caps per message the consumer applies (runtime/pipeline.ts): the policy file's `limits`, NHI_MAX_* over them.
// `nhi dlq replay` checks a dead letter against the same caps, so it never re-drives what the consumer would only
// dead-letter again. A policy that does not check falls back to the defaults, said on `note`.
import { checkPolicyFile, policyPath } from '../activities/policy-source.ts';
import { type MessageLimits, messageLimits } from '../consumers/decode-message.ts';

export function consumerLimits(note: (line: string) => void, file = policyPath()): MessageLimits {
  const checked = checkPolicyFile(file);
  if (checked.ok) return messageLimits(checked.policy.policy.limits);
  note(
    `policy ${file} does not check (${checked.errors[0]}): checking against the default limits (nhi policy check ${file})`,
  );
  return messageLimits();
}
