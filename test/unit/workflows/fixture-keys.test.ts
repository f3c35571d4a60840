// Recorded histories are committed with EXAMPLE access-key ids only (test/support/fixture-keys.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withExampleAccessKeys } from '../../support/fixture-keys.ts';

const dir = new URL('../../fixtures/histories/', import.meta.url);
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

// A moto-style id to be replaced: assembled here so no real-looking key id is committed (EXAMPLE ids are kept as is).
const generatedId = ['AKIA', '2ABCDEFGHIJKLMNO'].join('');

describe('access-key ids in recorded histories', () => {
  it('replaces one id the same way in plain text and inside base64 payloads', () => {
    const payload = JSON.stringify({ key: `aws:access-key:${generatedId}` });
    const history = JSON.stringify({
      workflowId: `identity/aws:access-key:${generatedId}`,
      payload: { data: b64(payload) },
    });
    const out = JSON.parse(withExampleAccessKeys(history));
    expect(out.workflowId).toBe('identity/aws:access-key:AKIAFIXTURE01EXAMPLE');
    expect(Buffer.from(out.payload.data, 'base64').toString('utf8')).toBe(
      payload.replace(generatedId, 'AKIAFIXTURE01EXAMPLE'),
    );
  });

  it.each(readdirSync(dir).filter((f) => f.endsWith('.json')))('%s holds EXAMPLE ids only', (file) => {
    const text = readFileSync(new URL(file, dir), 'utf8');
    expect(withExampleAccessKeys(text)).toBe(text);
  });
});
