// Policy file text (YAML, or JSON which is YAML too) → a validated Policy. Kept apart from ./policy.ts so the
// schema stays free of the YAML parser: workflow code imports the schema, never this file.
import { parse, YAMLParseError } from 'yaml';
import { formatPolicyIssues, Policy, PolicyError, parsePolicy } from './policy.ts';

/**
 * Parse and validate a policy file's text. Throws PolicyError with one line naming the file and, for syntax
 * errors, the line and column; for schema errors, the field path (`rules[1](scope-down).approval: …`).
 */
export function parsePolicyText(text: string, fileName: string): Policy {
  return parsePolicy(parsePolicyYaml(text, fileName), fileName);
}

/** Every syntax or schema problem of a policy file's text, one line each (for `nhi policy check`). */
export function policyTextErrors(
  text: string,
  fileName: string,
): { policy: Policy; errors: [] } | { policy?: undefined; errors: string[] } {
  let value: unknown;
  try {
    value = parsePolicyYaml(text, fileName);
  } catch (error) {
    if (error instanceof PolicyError) return { errors: [error.message] };
    throw error;
  }
  const parsed = Policy.safeParse(value, { reportInput: true });
  if (parsed.success) return { policy: parsed.data, errors: [] };
  return { errors: parsed.error.issues.map((issue) => formatPolicyIssues([issue], fileName, value)) };
}

/** YAML (or JSON) text → a plain value; PolicyError naming the line and column on a syntax error. */
function parsePolicyYaml(text: string, fileName: string): unknown {
  let value: unknown;
  try {
    value = parse(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const pos = error.linePos?.[0];
      const where = pos ? `:${pos.line}:${pos.col}` : '';
      const message = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      throw new PolicyError(`${fileName}${where}: ${message}`);
    }
    throw error;
  }
  if (value === null || value === undefined) throw new PolicyError(`${fileName}: the file is empty`);
  return value;
}
