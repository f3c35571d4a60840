// Credential shapes in free text (schemas/secret-shapes.ts): each shape is caught and redacted, the text around
// it kept; identifiers that merely look long (ARNs, commit hashes, URLs, our ids) are left alone.
import { describe, expect, it } from 'vitest';
import {
  hasSecretShape,
  redactSecretShapes,
  redactSecretShapesDeep,
  secretShapesIn,
  withScanMemo,
} from '../../../schemas/secret-shapes.ts';
import { canariesIn, makeCanaries } from '../../support/canaries.ts';

describe('secret shapes', () => {
  const { values, prose } = makeCanaries();

  it.each(Object.entries(values))('redacts the %s canary in prose', (name, value) => {
    const text = name === 'urlPassword' ? `see https://ci:${value}@git.example.com/repo` : `see ${value} now`;
    const wrapped =
      name === 'privateKeyBody'
        ? `see -----BEGIN PRIVATE KEY-----\n${value}\n-----END PRIVATE KEY----- now`
        : text;
    const out = redactSecretShapes(wrapped);
    expect(out).not.toContain(value);
    expect(out).toContain('[REDACTED]');
    expect(out.startsWith('see ')).toBe(true);
    expect(out.endsWith(' now') || name === 'urlPassword').toBe(true);
  });

  it('redacts every canary of a mixed line and names each shape', () => {
    expect(canariesIn(redactSecretShapes(prose), { values, prose })).toEqual([]);
    expect(secretShapesIn(prose).sort()).toEqual(
      [
        'aws-secret-access-key',
        'base64-wrapped',
        'github-token',
        'google-api-key',
        'jwt',
        'private-key',
        'slack-token',
        'stripe-key',
        'url-password',
      ].sort(),
    );
  });

  it('keeps the user and host of a URL with a password', () => {
    expect(redactSecretShapes('postgres://app:hunter2hunter2@db.example.com:5432/x')).toBe(
      'postgres://app:[REDACTED]@db.example.com:5432/x',
    );
  });

  it('an unterminated private key block is redacted to the end', () => {
    expect(redactSecretShapes('key: -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB')).toBe('key: [REDACTED]');
  });

  it.each([
    [
      'an ARN path of 40 characters',
      'arn:aws:iam::123456789012:role/aVeryLongRoleNameThatIs40CharactersLong1',
    ],
    [
      'an ARN inside prose',
      'assumed arn:aws:iam::123456789012:role/service/AbCdEfGh12IjKlMn34OpQrSt56UvWxYz78Ab',
    ],
    ['a git commit hash', 'commit 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b'],
    [
      'a URL path',
      'https://portal.azure.com/#asset/Microsoft_Azure_Security_Insights/Incident/subscriptions/d0cf',
    ],
    ['a URL without password', 'https://user@example.com/path?q=1'],
    [
      'a finding id and fingerprint',
      'f_0123456789abcdef0123456789abcdef e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    ],
    ['an access key id (public half)', 'key AKIAIOSFODNN7EXAMPLE used'],
    ['a sentence', 'Console login without MFA from an unusual ASN for the build role'],
  ])('leaves %s alone', (_what, text) => {
    expect(hasSecretShape(text)).toBe(false);
    expect(redactSecretShapes(text)).toBe(text);
  });

  it('redacts keys and values of nested objects', () => {
    const out = redactSecretShapesDeep({ a: [`x ${values.githubToken}`], [values.stripeKey!]: 1, n: 3 });
    expect(JSON.stringify(out)).not.toContain(values.githubToken);
    expect(JSON.stringify(out)).not.toContain(values.stripeKey);
    expect(out.n).toBe(3);
  });

  it('the shortest shape (a 9-character URL password) is still caught: shorter strings are skipped unscanned', () => {
    expect(redactSecretShapes('ab://u:p@')).toBe('ab://u:[REDACTED]@');
    expect(redactSecretShapes('b://u:p@')).toBe('b://u:p@');
  });

  it("a message's memo keeps only clean strings: a secret is redacted on every sighting", () => {
    const { values } = makeCanaries();
    const text = `token ${values.githubToken}`;
    withScanMemo(() => {
      expect(redactSecretShapes('a clean product name, long enough')).toBe(
        'a clean product name, long enough',
      );
      for (let i = 0; i < 3; i++) expect(redactSecretShapes(text)).not.toContain(values.githubToken!);
      expect(redactSecretShapes('a clean product name, long enough')).toBe(
        'a clean product name, long enough',
      );
    });
  });
});
