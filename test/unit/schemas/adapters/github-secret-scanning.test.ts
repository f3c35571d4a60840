import { describe, expect, it } from 'vitest';
import { githubSecretScanningAdapter } from '../../../../schemas/adapters/github-secret-scanning.ts';
import { secretIdentity } from '../../../../schemas/identity-keys.ts';
import { corpusAvailable, corpusFile, fixtureFile, identifiersOf } from '../../../support/corpus.ts';
import {
  findingsOf,
  formatsOf,
  fp,
  keysOf,
  namedIdsPresent,
  outcomesOf,
} from '../../../support/normalize.ts';

describe.runIf(corpusAvailable())('github-secret-scanning corpus: octokit "reopened" webhook', () => {
  const file = 'github-secret-scanning/octokit-webhook-reopened.json';
  const input = corpusFile(file);
  const findings = findingsOf(input, { format: 'auto' });
  const [f] = findings;

  it('auto-detects the webhook; one open exposed-secret finding', () => {
    expect(formatsOf(input)).toEqual(new Set(['github-secret-scanning']));
    expect(findings).toHaveLength(1);
    expect(f!.kind).toBe('exposed-secret');
    expect(f!.status).toBe('open');
    expect(f!.severity).toEqual({ label: 'medium', score: 50 });
  });

  it('the alert carries no time: repository.updated_at (the latest time the payload holds) is used', () => {
    expect(f!.time).toBe('2020-11-24T01:37:33.000Z');
  });

  it('no secret in the payload: the fingerprint is HMAC of repo + alert number, the hint says so', () => {
    expect(f!.secret).toEqual({
      detector: 'adafruit_io_key',
      fingerprint: fp('github-secret-scanning\u0000Codertocat/Hello-World\u0000191'),
      hint: '…(?)',
    });
    expect(keysOf(f!)).toEqual([secretIdentity('adafruit', f!.secret!.fingerprint).key]);
    expect(f!.source.nativeId).toBe('Codertocat/Hello-World#191');
  });

  it('repo and actor', () => {
    expect(f!.location).toEqual({ repo: 'Codertocat/Hello-World' });
    expect(f!.resources).toEqual([
      { uid: 'Codertocat/Hello-World', type: 'github-repository', name: 'Codertocat/Hello-World' },
    ]);
    expect(f!.evidence).toMatchObject({
      action: 'reopened',
      alertNumber: 191,
      actor: 'Codertocat',
      organization: 'Codertocat',
    });
    namedIdsPresent(file, ['Codertocat/Hello-World', 'adafruit_io_key'], identifiersOf(findings));
  });
});

describe.runIf(corpusAvailable())(
  'github-secret-scanning corpus: REST alert list with the secret value',
  () => {
    const file = 'github-secret-scanning/defectdojo-rest-alerts-one.json';
    const input = corpusFile(file);
    const findings = findingsOf(input, { format: 'auto' });
    const [f] = findings;
    const value = JSON.parse(input.toString('utf8'))[0].secret as string;

    it('auto-detects the REST list; resolved alert at resolved_at', () => {
      expect(formatsOf(input)).toEqual(new Set(['github-secret-scanning']));
      expect(findings).toHaveLength(1);
      expect(f!).toMatchObject({ status: 'suppressed', statusReason: 'false_positive' });
      expect(f!.time).toBe('2020-11-07T02:47:13.000Z');
    });

    it('validity "active" is a verification → critical', () => {
      expect(f!.severity).toEqual({ label: 'critical', score: 95 });
      expect(f!.secret!.verified).toBe(true);
    });

    it('alert.secret is fingerprinted and masked, never copied', () => {
      expect(f!.secret).toEqual({
        detector: 'adafruit_io_key',
        fingerprint: fp(value),
        hint: 'aio_…(32)',
        verified: true,
      });
      expect(keysOf(f!)).toEqual([secretIdentity('adafruit', fp(value)).key]);
      expect(JSON.stringify(findings)).not.toContain(value);
    });

    it('repository.full_name wins over the html_url; first location; who resolved it', () => {
      expect(f!.location).toEqual({
        repo: 'octocat/Hello-World',
        file: '/example/secrets.txt',
        line: 1,
        commit: 'f14d7debf9775f957cf4f1e8176da0786431f72b',
        url: 'https://github.com/owner/private-repo/security/secret-scanning/2',
      });
      expect(f!.evidence).toMatchObject({
        resolution: 'false_positive',
        resolvedBy: 'monalisa',
        pushProtectionBypassedBy: 'monalisa',
      });
      expect(JSON.stringify(f)).not.toContain('Example comment');
      namedIdsPresent(
        file,
        ['octocat/Hello-World', 'adafruit_io_key', 'monalisa'],
        new Set([...identifiersOf(findings), String(f!.evidence.resolvedBy)]),
      );
    });
  },
);

describe('github-secret-scanning fixtures: created then resolved webhooks of one alert', () => {
  const [created] = findingsOf(fixtureFile('github-secret-scanning/webhook-created.json'), {
    format: 'auto',
  });
  const [resolved] = findingsOf(fixtureFile('github-secret-scanning/webhook-resolved.json'), {
    format: 'auto',
  });

  it('one alert, one secret identity; each state is its own finding', () => {
    expect(keysOf(created!)).toEqual(keysOf(resolved!));
    expect(created!.id).not.toBe(resolved!.id);
  });

  it('created: open, validity active → critical, at created_at', () => {
    expect(created!.status).toBe('open');
    expect(created!.severity).toEqual({ label: 'critical', score: 95 });
    expect(created!.time).toBe('2024-04-18T07:31:05.000Z');
    expect(created!.title).toBe('Mailchimp API Key exposed in acme/payments');
  });

  it('resolved: revoked, validity inactive → low, at resolved_at; the comment is not copied', () => {
    expect(resolved!.status).toBe('resolved');
    expect(resolved!.severity).toEqual({ label: 'low', score: 30 });
    expect(resolved!.secret!.verified).toBe(false);
    expect(resolved!.time).toBe('2024-04-19T15:02:40.000Z');
    expect(resolved!.evidence).toMatchObject({ resolution: 'revoked', resolvedBy: 'octo-sec' });
    expect(JSON.stringify(resolved)).not.toContain('rotated in vault');
  });
});

describe('github-secret-scanning edge cases', () => {
  const alert = {
    number: 7,
    created_at: '2024-02-01T00:00:00Z',
    html_url: 'https://github.com/acme/api/security/secret-scanning/7',
    state: 'open',
    secret_type: 'github_personal_access_token',
    secret: 'not-a-real-token-Kd83Lq0Zp2',
    validity: 'unknown',
    publicly_leaked: true,
  };

  it('a repo-level alert (no repository object) takes the repo from html_url; publicly leaked → high', () => {
    const [f] = findingsOf(JSON.stringify(alert), { format: 'auto' });
    expect(f!.location?.repo).toBe('acme/api');
    expect(f!.severity).toEqual({ label: 'high', score: 75 });
    // The value is known and has no known shape: the identity family is generic whatever GitHub calls it.
    expect(f!.identities[0]).toMatchObject({ provider: 'generic', name: 'github_personal_access_token' });
  });

  it('is_base64_encoded: the decoded value is what is fingerprinted; neither form is copied', () => {
    const plain = 'decoded-token-Vx82Nq4Lm0Pz';
    const encoded = Buffer.from(plain).toString('base64');
    const [f] = findingsOf(
      JSON.stringify([
        { ...alert, secret: encoded, is_base64_encoded: true, secret_type_display_name: `token ${plain}` },
      ]),
      {
        format: 'auto',
      },
    );
    expect(f!.secret!.fingerprint).toBe(fp(plain));
    const out = JSON.stringify(f);
    expect(out).not.toContain(plain);
    expect(out).not.toContain(encoded);
  });

  it('wrong types are a typed rejection with a readable reason; extra fields are tolerated', () => {
    const [bad] = outcomesOf(JSON.stringify([{ ...alert, number: '7' }]), {
      format: 'github-secret-scanning',
    });
    expect(bad!.ok).toBe(false);
    expect(bad!.ok ? '' : bad!.reason).toMatch(/^not a valid GitHub secret scanning alert record: number: /);
    const [hook] = outcomesOf(JSON.stringify({ action: 'created', alert: { ...alert, number: null } }), {
      format: 'github-secret-scanning',
    });
    expect(hook!.ok ? '' : hook!.reason).toMatch(/webhook record: alert\.number/);
    expect(
      findingsOf(JSON.stringify({ ...alert, brand_new: { x: [1, 2] } }), { format: 'auto' }),
    ).toHaveLength(1);
  });

  it('does not claim other formats', () => {
    expect(githubSecretScanningAdapter.detect({ number: 1, title: 'an issue' })).toBe(false);
    expect(githubSecretScanningAdapter.detect({ action: 'opened', issue: { number: 1 } })).toBe(false);
    expect(githubSecretScanningAdapter.detect([])).toBe(false);
  });
});
