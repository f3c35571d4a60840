// Policy file text (YAML, or JSON which is YAML too) → a validated Policy. Kept apart from ./policy.ts so the
// schema stays free of the YAML parser: workflow code imports the schema, never this file.
import { parse, YAMLParseError } from 'yaml';
import { type Policy, PolicyError, parsePolicy } from './policy.ts';

/**
 * Parse and validate a policy file's text. Throws PolicyError with one line naming the file and, for syntax
 * errors, the line and column; for schema errors, the field path (`rules[1](scope-down).approval: …`).
 */
export function parsePolicyText(text: string, fileName: string): Policy {
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
  return parsePolicy(value, fileName);
}
