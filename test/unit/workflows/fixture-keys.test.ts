// Recorded histories are committed with EXAMPLE access-key ids only (test/support/fixture-keys.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withExampleAccessKeys } from '../../support/fixture-keys.ts';

const dir = new URL('../../fixtures/histories/', import.meta.url);
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

describe('access-key ids in recorded histories', () => {
  it('replaces one id the same way in plain text and inside base64 payloads', () => {
    const payload = JSON.stringify({ key: 'aws:access-key:AKIA2ABCDEFGHIJKLMNO' });
    const history = JSON.stringify({
      workflowId: 'identity/aws:access-key:AKIA2ABCDEFGHIJKLMNO',
      payload: { data: b64(payload) },
    });
    const out = JSON.parse(withExampleAccessKeys(history));
    expect(out.workflowId).toBe('identity/aws:access-key:AKIAFIXTURE01EXAMPLE');
    expect(Buffer.from(out.payload.data, 'base64').toString('utf8')).toBe(
      payload.replace('AKIA2ABCDEFGHIJKLMNO', 'AKIAFIXTURE01EXAMPLE'),
    );
  });

  it.each(readdirSync(dir).filter((f) => f.endsWith('.json')))('%s holds EXAMPLE ids only', (file) => {
    const text = readFileSync(new URL(file, dir), 'utf8');
    expect(withExampleAccessKeys(text)).toBe(text);
  });
});
