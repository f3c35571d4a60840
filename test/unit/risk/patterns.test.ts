import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globMatch, patternCovers } from '../../../risk/patterns.ts';

describe('globMatch', () => {
  it.each([
    ['*', 'anything', true],
    ['s3:Get*', 's3:GetObject', true],
    ['s3:Get*', 's3:PutObject', false],
    ['iam:*Policy', 'iam:AttachUserPolicy', true],
    ['s3:GetObjec?', 's3:GetObject', true],
    ['s3:GetObjec?', 's3:GetObjects', false],
    ['arn:aws:s3:::b/*', 'arn:aws:s3:::b/x/y', true],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXbYY', false],
  ])('%s matches %s: %s', (p, t, want) => expect(globMatch(p, t)).toBe(want));

  it('folds case only when asked', () => {
    expect(globMatch('IAM:PassRole', 'iam:passrole')).toBe(false);
    expect(globMatch('IAM:PassRole', 'iam:passrole', { caseInsensitive: true })).toBe(true);
  });
});

describe('patternCovers', () => {
  it.each([
    ['*', 'arn:aws:s3:::b/*', true],
    ['arn:aws:s3:::*', 'arn:aws:s3:::b/*', true],
    ['arn:aws:s3:::b/*', 'arn:aws:s3:::*', false],
    ['arn:aws:s3:::b/?', 'arn:aws:s3:::b/*', false],
    ['arn:aws:s3:::b/*', 'arn:aws:s3:::b/x?', true],
  ])('%s covers %s: %s', (outer, inner, want) => expect(patternCovers(outer, inner)).toBe(want));

  it('is sound: when outer covers inner, outer matches whatever inner matches', () => {
    const chars = fc.constantFrom('a', 'b', '*', '?');
    const pattern = fc.array(chars, { maxLength: 6 }).map((a) => a.join(''));
    const text = fc.array(fc.constantFrom('a', 'b'), { maxLength: 6 }).map((a) => a.join(''));
    fc.assert(
      fc.property(pattern, pattern, text, (outer, inner, t) => {
        if (patternCovers(outer, inner) && globMatch(inner, t)) expect(globMatch(outer, t)).toBe(true);
      }),
    );
  });
});
