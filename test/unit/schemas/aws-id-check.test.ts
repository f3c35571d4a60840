// AWS ids a finding names (schemas/aws-id-check.ts): a malformed id never becomes an identity; it stays on the
// finding as a resource and a warning. Documentation sample keys are named in the finding's evidence.
import { describe, expect, it } from 'vitest';
import {
  awsIdProblem,
  checkAwsIds,
  isSampleAccessKeyId,
  isWellFormedAccessKeyId,
} from '../../../schemas/aws-id-check.ts';
import { awsAccessKeyIdentity, awsIdentityFromArn } from '../../../schemas/identity-keys.ts';
import { generatedAccessKeyId } from '../../support/access-key-ids.ts';
import { findingsOf } from '../../support/normalize.ts';

describe('aws id check', () => {
  it.each([
    ['AKIAIOSFODNN7EXAMPLE', true],
    [generatedAccessKeyId('ASIA'), true],
    [generatedAccessKeyId('ABIA'), true],
    ['ASIATMJPC7EXAMPLE', false], // 17 characters
    ['AKIAIOSFODNN7EXAMPLEX', false], // 21
    ['AIDACKCEVSQ6C2EXAMPLE', false], // a user's unique id, not a key id
    ['akiaiosfodnn7example', false],
  ])('access key id %s well formed: %s', (id, ok) => expect(isWellFormedAccessKeyId(id)).toBe(ok));

  it('documentation placeholders are samples; the emulator account is not', () => {
    expect(isSampleAccessKeyId('AKIAIOSFODNN7EXAMPLE')).toBe(true);
    expect(isSampleAccessKeyId('AKIAI44QH8DHBEXAMPLE')).toBe(true);
    expect(isSampleAccessKeyId(generatedAccessKeyId('ASIA'))).toBe(false);
    expect(awsIdProblem(awsIdentityFromArn('arn:aws:iam::123456789012:user/ci')!)).toBeUndefined();
  });

  it('a 14-digit ARN account, a 13-digit account and a short key id are problems', () => {
    expect(awsIdProblem(awsIdentityFromArn('arn:aws:iam::12345678901234:user/ci')!)).toMatch(/not 12 digits/);
    expect(awsIdProblem(awsAccessKeyIdentity(generatedAccessKeyId(), undefined, '1234567890123'))).toMatch(
      /account id '1234567890123'/,
    );
    expect(awsIdProblem(awsAccessKeyIdentity('ASIAEXAMPLE'))).toMatch(/malformed access key id ASIAEXAMPLE/);
  });

  it('checkAwsIds keeps the array when every id is fine', () => {
    const ids = [awsIdentityFromArn('arn:aws:iam::123456789012:role/app')!];
    expect(checkAwsIds(ids).identities).toBe(ids);
  });

  it('through the normaliser: the malformed ids are resources and warnings, the good one an identity', () => {
    const record = {
      eventVersion: '1.08',
      eventTime: '2024-05-01T10:00:00Z',
      eventSource: 'iam.amazonaws.com',
      eventName: 'CreateAccessKey',
      awsRegion: 'us-east-1',
      sourceIPAddress: '203.0.113.9',
      userIdentity: {
        type: 'IAMUser',
        arn: 'arn:aws:iam::12345678901234:user/ci',
        accountId: '12345678901234',
        accessKeyId: 'ASIAEXAMPLE',
        userName: 'ci',
      },
      recipientAccountId: '123456789012',
    };
    const [f] = findingsOf(JSON.stringify({ Records: [record] }), { format: 'cloudtrail' });
    expect(f!.identities.map((i) => i.key)).toEqual([]);
    expect(f!.resources.filter((r) => r.type === 'aws-malformed-id').map((r) => r.uid)).toEqual([
      'arn:aws:iam::12345678901234:user/ci',
      'ASIAEXAMPLE',
    ]);
    expect(String(f!.evidence.idWarnings)).toMatch(/account '12345678901234' is not 12 digits/);
  });

  it('a documentation sample key never acts: named in the evidence, a resource, no identity', () => {
    const gitleaks = [
      {
        Description: 'AWS',
        StartLine: 1,
        EndLine: 1,
        StartColumn: 1,
        EndColumn: 20,
        Match: 'AKIAIOSFODNN7EXAMPLE',
        Secret: 'AKIAIOSFODNN7EXAMPLE',
        File: 'a.txt',
        Commit: '',
        Entropy: 3.5,
        Author: '',
        Email: '',
        Date: '',
        Message: '',
        Tags: [],
        RuleID: 'aws-access-token',
        Fingerprint: 'a.txt:aws-access-token:1',
      },
    ];
    const [f] = findingsOf(JSON.stringify(gitleaks), { format: 'gitleaks' });
    expect(f!.evidence.sampleIds).toBe('AKIAIOSFODNN7EXAMPLE');
    expect(f!.identities.map((i) => i.key)).not.toContain('aws:access-key:AKIAIOSFODNN7EXAMPLE');
    expect(f!.identities.filter((i) => i.type === 'aws-access-key')).toEqual([]);
    expect(f!.resources).toContainEqual({ uid: 'AKIAIOSFODNN7EXAMPLE', type: 'aws-sample-id' });
    // The secret itself is still an identity (its fingerprint): the leak is real even when the key is a sample.
    expect(f!.secret?.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });
});
