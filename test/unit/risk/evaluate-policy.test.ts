// Capabilities from IAM policies: wildcards, NotAction, explicit Deny (with and without conditions), conditional
// Allow, resource scope, permissions boundary and group policies — each grant naming its statements.
import { describe, expect, it } from 'vitest';
import { CAPABILITIES, CAPABILITY_IDS } from '../../../risk/capability-catalogue.ts';
import {
  type CapabilityGrant,
  evaluateAccess,
  evaluatePolicies,
  type PolicyEvaluation,
} from '../../../risk/evaluate-policy.ts';
import { type PolicyDocument, parsePolicyDocument } from '../../../schemas/iam-policy.ts';
import {
  ACCOUNT,
  ADMINISTRATOR_ACCESS,
  arn,
  managed,
  PASSROLE_LAMBDA,
  POWER_USER_ACCESS,
  policies,
  READ_ONLY_ACCESS,
  SCOPED_S3,
} from './fixtures.ts';

const ids = (e: PolicyEvaluation) => e.capabilities.map((c) => c.id);
const grant = (e: PolicyEvaluation, id: string): CapabilityGrant | undefined =>
  e.capabilities.find((c) => c.id === id);
const blocked = (e: PolicyEvaluation, id: string) => e.blocked.find((b) => b.id === id);

const inline = (name: string, document: PolicyDocument) => ({ name, document });

describe('capability catalogue', () => {
  it('has unique ids, weights 0–100 and a reason for each', () => {
    expect(new Set(CAPABILITY_IDS).size).toBe(CAPABILITIES.length);
    for (const c of CAPABILITIES) {
      expect(c.weight).toBeGreaterThanOrEqual(0);
      expect(c.weight).toBeLessThanOrEqual(100);
      expect(c.why.length).toBeGreaterThan(10);
      if (c.kind === 'combo') {
        for (const r of c.requires) expect(CAPABILITY_IDS).toContain(r);
        expect(c.requires).toContain(c.scopedBy);
      }
    }
  });
});

describe('evaluatePolicies', () => {
  it('AdministratorAccess grants full-admin on all resources, and every other capability', () => {
    const e = evaluatePolicies(
      policies({ attached: [managed('AdministratorAccess', ADMINISTRATOR_ACCESS)] }),
    );
    const admin = grant(e, 'full-admin')!;
    expect(admin).toMatchObject({ allResources: true, conditional: false, resources: ['*'] });
    expect(admin.grantedBy.map((r) => r.label)).toEqual(['managed:AdministratorAccess[0]']);
    expect(ids(e)[0]).toBe('full-admin');
    expect(ids(e)).toEqual(
      expect.arrayContaining(['iam-attach-policy', 'iam-passrole', 'privesc-passrole-lambda']),
    );
    expect(e.blocked).toEqual([]);
  });

  it('"*:*" is also every action', () => {
    const doc: PolicyDocument = { Statement: { Effect: 'Allow', Action: '*:*', Resource: '*' } };
    expect(ids(evaluatePolicies(policies({ inline: [doc] })))).toContain('full-admin');
  });

  it('PowerUserAccess (NotAction iam:*, organizations:*) is not admin and cannot touch IAM, but reads all data', () => {
    const e = evaluatePolicies(policies({ attached: [managed('PowerUserAccess', POWER_USER_ACCESS)] }));
    const got = ids(e);
    expect(got).not.toContain('full-admin');
    for (const id of ['iam-attach-policy', 'iam-passrole', 'iam-create-access-key', 'organizations-admin']) {
      expect(got).not.toContain(id);
    }
    for (const id of [
      's3-read-all',
      'secrets-read',
      'kms-decrypt',
      'cloudtrail-tamper',
      'lambda-create',
      'ec2-run',
    ]) {
      expect(got).toContain(id);
    }
    // lambda-create without PassRole is not the escalation combo
    expect(got).not.toContain('privesc-passrole-lambda');
    expect(grant(e, 'secrets-read')!.grantedBy[0]!.label).toBe('managed:PowerUserAccess[0]');
  });

  it('ReadOnlyAccess reads every object (s3:Get* covers GetObject) but writes nothing', () => {
    const e = evaluatePolicies(policies({ attached: [managed('ReadOnlyAccess', READ_ONLY_ACCESS)] }));
    expect(ids(e).sort()).toEqual(['s3-read-all', 'ssm-parameters-read']);
    expect(grant(e, 's3-read-all')!.grantedBy[0]!.label).toBe('managed:ReadOnlyAccess[ReadOnlyActions]');
  });

  it('scoped S3 access is not s3-read-all, and records the resources it does cover', () => {
    const e = evaluatePolicies(policies({ inline: [inline('artifacts', SCOPED_S3)] }));
    expect(ids(e)).toEqual(['s3-write']);
    expect(grant(e, 's3-write')).toMatchObject({
      allResources: false,
      resources: ['arn:aws:s3:::acme-build-artifacts/*'],
      actions: ['s3:PutObject'],
    });
    expect(blocked(e, 's3-read-all')!.reason).toBe(
      'scoped to arn:aws:s3:::acme-build-artifacts/*; needs all resources',
    );
  });

  it('a bucket-wide wildcard ARN counts as all resources', () => {
    const doc: PolicyDocument = {
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::*' }],
    };
    expect(grant(evaluatePolicies(policies({ inline: [doc] })), 's3-read-all')?.allResources).toBe(true);
  });

  it('flags the PassRole + lambda:CreateFunction combo and names the statements behind it', () => {
    const e = evaluatePolicies(policies({ inline: [inline('deploy-lambda', PASSROLE_LAMBDA)] }));
    const combo = grant(e, 'privesc-passrole-lambda')!;
    expect(combo.tactic).toBe('privilege-escalation');
    expect(combo.grantedBy.map((r) => r.label)).toEqual([
      'inline:deploy-lambda[ManageFunctions]',
      'inline:deploy-lambda[PassAnyRole]',
    ]);
    // its reach is bounded by which roles it may pass: here any
    expect(combo).toMatchObject({ allResources: true, resources: ['*'] });
    expect(ids(e)).toEqual(expect.arrayContaining(['iam-passrole', 'lambda-create', 'lambda-update-code']));
  });

  it('matches actions case-insensitively, with * and ?', () => {
    const doc: PolicyDocument = {
      Statement: [
        {
          Effect: 'Allow',
          Action: ['IAM:passrole', 'secretsmanager:GetSecret?alue', 'kms:*'],
          Resource: '*',
        },
      ],
    };
    expect(ids(evaluatePolicies(policies({ inline: [doc] }))).sort()).toEqual([
      'iam-passrole',
      'kms-decrypt',
      'kms-key-destroy',
      'secrets-read',
    ]);
  });

  it('an explicit Deny removes a capability and says which statement did it', () => {
    const deny: PolicyDocument = {
      Statement: [{ Sid: 'NoSecrets', Effect: 'Deny', Action: 'secretsmanager:*', Resource: '*' }],
    };
    const e = evaluatePolicies(
      policies({
        attached: [managed('AdministratorAccess', ADMINISTRATOR_ACCESS)],
        inline: [inline('guard', deny)],
      }),
    );
    expect(ids(e)).not.toContain('secrets-read');
    expect(blocked(e, 'secrets-read')).toEqual({
      id: 'secrets-read',
      reason: 'explicitly denied by inline:guard[NoSecrets]',
      by: [{ policy: 'inline:guard', index: 0, sid: 'NoSecrets', label: 'inline:guard[NoSecrets]' }],
    });
    // still admin for every other purpose, and the grant says what is missing
    expect(grant(e, 'full-admin')!.notes).toContain(
      'except what inline:guard[NoSecrets] denies: secretsmanager:*',
    );
  });

  it('a Deny with conditions does not remove the capability (noted as "deny has conditions")', () => {
    const deny: PolicyDocument = {
      Statement: [
        {
          Sid: 'OnlyFromVpc',
          Effect: 'Deny',
          Action: 'secretsmanager:GetSecretValue',
          Resource: '*',
          Condition: { StringNotEquals: { 'aws:SourceVpc': 'vpc-0abc' } },
        },
      ],
    };
    const e = evaluatePolicies(
      policies({
        attached: [managed('AdministratorAccess', ADMINISTRATOR_ACCESS)],
        inline: [inline('vpc', deny)],
      }),
    );
    const secrets = grant(e, 'secrets-read')!;
    expect(secrets.conditional).toBe(false);
    expect(secrets.notes).toContain('deny has conditions: inline:vpc[OnlyFromVpc] (not counted)');
  });

  it('a Deny on some resources does not remove a grant on all of them', () => {
    const doc: PolicyDocument = {
      Statement: [
        { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
        { Effect: 'Deny', Action: 's3:GetObject', Resource: 'arn:aws:s3:::payroll/*' },
      ],
    };
    expect(grant(evaluatePolicies(policies({ inline: [doc] })), 's3-read-all')?.allResources).toBe(true);
  });

  it('a Deny that covers the scoped grant removes it', () => {
    const doc: PolicyDocument = {
      Statement: [
        { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::acme-build-artifacts/releases/*' },
        { Sid: 'Frozen', Effect: 'Deny', Action: 's3:Put*', Resource: 'arn:aws:s3:::acme-build-artifacts/*' },
      ],
    };
    const e = evaluatePolicies(policies({ inline: [doc] }));
    expect(ids(e)).toEqual([]);
    expect(blocked(e, 's3-write')!.reason).toBe('explicitly denied by inline#0[Frozen]');
  });

  it('an Allow with conditions counts, marked conditional', () => {
    const doc: PolicyDocument = {
      Statement: [
        {
          Effect: 'Allow',
          Action: 'iam:CreateAccessKey',
          Resource: '*',
          Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
        },
      ],
    };
    expect(grant(evaluatePolicies(policies({ inline: [doc] })), 'iam-create-access-key')?.conditional).toBe(
      true,
    );
  });

  it('Deny NotAction (deny all but a list) leaves only the listed actions', () => {
    const doc: PolicyDocument = {
      Statement: [
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Sid: 'OnlyS3', Effect: 'Deny', NotAction: 's3:*', Resource: '*' },
      ],
    };
    const e = evaluatePolicies(policies({ inline: [doc] }));
    expect(ids(e).sort()).toEqual(['s3-delete', 's3-policy-modify', 's3-read-all', 's3-write']);
    expect(blocked(e, 'full-admin')!.reason).toBe('explicitly denied by inline#0[OnlyS3]');
  });

  it('a permissions boundary intersects: admin policies inside an S3-only boundary', () => {
    const boundary: PolicyDocument = {
      Statement: [
        { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::acme-*' },
      ],
    };
    const e = evaluatePolicies(
      policies({
        attached: [managed('AdministratorAccess', ADMINISTRATOR_ACCESS)],
        permissionsBoundary: boundary,
      }),
    );
    expect(ids(e)).toEqual(['s3-write']);
    expect(grant(e, 's3-write')).toMatchObject({ allResources: false, resources: ['arn:aws:s3:::acme-*'] });
    expect(grant(e, 's3-write')!.notes).toContain('permissions boundary narrows * to arn:aws:s3:::acme-*');
    expect(blocked(e, 'full-admin')!.reason).toBe(
      'outside the permissions boundary (allowed by managed:AdministratorAccess[0])',
    );
    expect(blocked(e, 's3-read-all')!.reason).toBe('scoped to arn:aws:s3:::acme-*; needs all resources');
  });

  it('includes group policies, labelled by group', () => {
    const e = evaluatePolicies(
      policies({
        groups: [
          { name: 'deployers', inline: [inline('deploy-lambda', PASSROLE_LAMBDA)] },
          { name: 'admins', attached: [managed('AdministratorAccess', ADMINISTRATOR_ACCESS)] },
        ],
      }),
    );
    expect(grant(e, 'full-admin')!.grantedBy[0]!.label).toBe('group:admins/managed:AdministratorAccess[0]');
    expect(grant(e, 'iam-passrole')!.grantedBy.map((r) => r.label)).toEqual([
      'group:admins/managed:AdministratorAccess[0]',
      'group:deployers/inline:deploy-lambda[PassAnyRole]',
    ]);
  });

  it('sts:AssumeRole on every role in its own account is sts-assume-any', () => {
    const doc: PolicyDocument = {
      Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${ACCOUNT}:role/*` }],
    };
    expect(ids(evaluatePolicies(policies({ inline: [doc] }), { account: ACCOUNT }))).toEqual([
      'sts-assume-any',
    ]);
    expect(ids(evaluatePolicies(policies({ inline: [doc] }), { account: '999999999999' }))).toEqual([]);
  });

  it('is deterministic', () => {
    const input = policies({
      inline: [inline('deploy-lambda', PASSROLE_LAMBDA), inline('artifacts', SCOPED_S3)],
      attached: [managed('PowerUserAccess', POWER_USER_ACCESS)],
    });
    expect(evaluatePolicies(input)).toEqual(evaluatePolicies(structuredClone(input)));
  });
});

describe('evaluateAccess', () => {
  const doc: PolicyDocument = {
    Statement: [
      { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: arn('role/deploy-*') },
      { Sid: 'NotProd', Effect: 'Deny', Action: 'sts:AssumeRole', Resource: arn('role/deploy-prod') },
    ],
  };
  const p = policies({ inline: [inline('assume', doc)] });

  it('allows a matching ARN and names the statement', () => {
    const r = evaluateAccess(p, 'sts:AssumeRole', arn('role/deploy-staging'));
    expect(r).toMatchObject({ allowed: true, conditional: false, deniedBy: [] });
    expect(r.grantedBy[0]!.label).toBe('inline:assume[0]');
  });

  it('denies what the Deny names, and what nothing allows', () => {
    const denied = evaluateAccess(p, 'sts:AssumeRole', arn('role/deploy-prod'));
    expect(denied.allowed).toBe(false);
    expect(denied.deniedBy.map((r) => r.label)).toEqual(['inline:assume[NotProd]']);
    expect(evaluateAccess(p, 'sts:AssumeRole', arn('role/admin')).allowed).toBe(false);
  });
});

describe('parsePolicyDocument', () => {
  it('reads the URL-encoded JSON the IAM API returns', () => {
    const encoded = encodeURIComponent(JSON.stringify(ADMINISTRATOR_ACCESS));
    expect(parsePolicyDocument(encoded)).toEqual(ADMINISTRATOR_ACCESS);
  });

  it('keeps unknown fields and rejects a statement without actions in one line', () => {
    expect(parsePolicyDocument({ ...ADMINISTRATOR_ACCESS, Extra: 1 })).toMatchObject({ Extra: 1 });
    expect(() => parsePolicyDocument({ Statement: [{ Effect: 'Allow', Resource: '*' }] })).toThrow(
      'policy document.Statement[0].Action: needs Action or NotAction',
    );
  });
});
