// Every command's --help: says what it does, shows examples that its own argument parser accepts, and the next
// step. Commands come from the CLI's command table, so a new command is covered without touching this file.
import { describe, expect, it } from 'vitest';
import { commands } from '../../../cli/commands/index.ts';
import { main } from '../../../cli/main.ts';
import { remediationIdParts, remediationWorkflowId } from '../../../risk/decide.ts';

async function help(name: string): Promise<string> {
  const out: string[] = [];
  const code = await main([name, '--help'], { out: (l) => out.push(l), err: () => {} });
  expect(code).toBe(0);
  return out.join('\n');
}

/** Shell words: spaces split, double quotes group (as a user pasting the line into a shell gets). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

/** The lines under `examples:`, up to the next blank or unindented line. */
function examples(text: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf('examples:');
  if (start < 0) return [];
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => !l.startsWith('  '));
  return (end < 0 ? rest : rest.slice(0, end)).map((l) => l.trim());
}

describe('every command --help', () => {
  it.each(commands.map((c) => [c.name, c] as const))(
    'nhi %s: examples parse; it says what to do next',
    async (name, command) => {
      const text = await help(name);
      expect(text.startsWith(`usage: nhi ${name}`)).toBe(true);
      const lines = examples(text);
      expect(lines.length, `${name} has no examples: section`).toBeGreaterThan(0);
      for (const line of lines) {
        const [nhi, sub, ...args] = words(line);
        expect([nhi, sub], line).toEqual(['nhi', name]);
        expect(() => command.parse(args), line).not.toThrow();
      }
      expect(text).toMatch(/\nnext: \S/);
    },
  );

  it('the parser is the one run uses: an unknown flag in an example would fail', () => {
    for (const command of commands) expect(() => command.parse(['--no-such-flag'])).toThrow();
  });

  it('no help shows a remediation id with a raw / in its identity key', async () => {
    for (const command of commands) {
      for (const id of (await help(command.name)).match(/remediate\/\S+/g) ?? []) {
        const clean = id.replace(/[),.]+$/, '');
        expect(remediationIdParts(clean), `${command.name}: ${clean}`).toBeDefined();
      }
    }
  });
});

describe('nhi approve --help', () => {
  it('its example id, copied out of the help, is the id the workflow gives scope-down of user/ci, and is accepted', async () => {
    const text = await help('approve');
    const [line] = examples(text);
    const id = words(line!)[2]!;
    expect(id).toBe(remediationWorkflowId('arn:aws:iam::123456789012:user/ci', 'scope-down', 0));
    expect(id).toBe('remediate/scope-down/arn:aws:iam::123456789012:user%2Fci/0');
    const parts = remediationIdParts(id);
    expect(parts?.action).toBe('scope-down');
    expect(decodeURIComponent(parts!.key)).toBe('arn:aws:iam::123456789012:user/ci');
    // The prose names the same id.
    expect(text).toContain(`e.g.\n${id})`);
    const approve = commands.find((c) => c.name === 'approve')!;
    expect(approve.parse(words(line!).slice(2))).toMatchObject({ id, person: 'alice@example.com' });
  });
});
