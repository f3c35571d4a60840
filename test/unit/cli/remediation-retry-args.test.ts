// `nhi remediation retry`: bad arguments exit 2 with one line; --help has a working example.
import { describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.ts';
import { remediationIdParts } from '../../../risk/decide.ts';

async function nhi(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

const ID = 'remediate/revoke-sessions/arn:aws:iam::333333333333:user%2Fci/0';

describe('nhi remediation retry arguments', () => {
  it.each([
    [[], /say retry/],
    [['undo', ID], /unknown remediation command 'undo' \(retry\)/],
    [['retry'], /exactly one REMEDIATION_ID/],
    [['retry', ID, ID, '--as', 'a@example.com', '--reason', 'r'], /exactly one REMEDIATION_ID/],
    [['retry', 'identity/x', '--as', 'a@example.com', '--reason', 'r'], /is not a remediation id/],
    [['retry', ID, '--reason', 'r'], /--as WHO is required/],
    [['retry', ID, '--as', 'alice'], /is not an email address/],
    [['retry', ID, '--as', 'alice@example.com', '--reason', ' '], /--reason R is required/],
    [['retry', ID, '--bogus'], /Unknown option/],
  ])('%j: exit 2 with one line', async (args, message) => {
    const r = await nhi('remediation', ...args);
    expect(r.code).toBe(2);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(message);
  });

  it('--help has an example whose id is a remediation id the command accepts', async () => {
    const r = await nhi('remediation', '--help');
    expect(r.code).toBe(0);
    const text = r.out.join('\n');
    expect(text).toMatch(/usage: nhi remediation retry REMEDIATION_ID --as WHO --reason R/);
    expect(text).toMatch(/decisions\.retriers \(default security\)/);
    const example = /nhi remediation retry (\S+) --as (\S+) --reason "([^"]+)"/.exec(text);
    expect(example?.[1]).toBe('remediate/revoke-sessions/arn:aws:iam::123456789012:user%2Fci/0');
    expect(remediationIdParts(example![1]!)).toEqual({
      action: 'revoke-sessions',
      key: 'arn:aws:iam::123456789012:user%2Fci',
    });
  });

  it('is listed in nhi --help', async () => {
    const r = await nhi('--help');
    expect(r.out.join('\n')).toMatch(/remediation\s+retry an ended remediation/);
  });
});
