// The worked example of a team action: the database team rotates the password of a PostgreSQL role whose
// credentials live in a Secrets Manager secret (RDS's JSON shape: username, password, host, port, dbname), when a
// scanner finds that password (or a database URL holding it). It runs on the team's own worker with the team's own
// database admin credential; the enforcer only sees plans, version ids and verdicts, never a password.
//
// plan    reads the secret, checks that the leak IS its current password (fingerprints, no value leaves the
//         worker) and that the database is the one this worker administers; names the role and the secret
// act     puts a new password as a pending version (token derived from the remediation: a retry finds it), sets it
//         on the role, then makes that version AWSCURRENT — each step checked first, so a crash anywhere and a
//         retry give exactly one rotation
// verify  the role logs in with the AWSCURRENT password and is refused with the previous one
// rollback the previous password on the role again and its version AWSCURRENT again
import { createHash, randomBytes } from 'node:crypto';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { defineAction, isLeakedValue, type TeamPlanResult, z } from 'nhi-enforce/actions';
import { asAdmin, canLogIn, type PostgresAdmin, quoteIdent, quoteLiteral } from './database.ts';

export const ACTION_NAME = 'dbteam/rotate-postgres-password';

const Params = z.strictObject({
  /** The Secrets Manager secret (name or ARN) that holds the role's credentials. */
  secretId: z.string().min(1),
  /** The role to rotate; default: the secret's `username`. */
  role: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/)
    .optional(),
  passwordLength: z.int().min(20).max(64).default(32),
});

interface StoredCredentials {
  username: string;
  password: string;
  host: string;
  port: number;
  dbname?: string;
}

const Stored = z.object({
  username: z.string().min(1),
  password: z.string().min(1),
  host: z.string().min(1),
  port: z.coerce.number().int(),
  dbname: z.string().optional(),
});

/** Secrets Manager's ClientRequestToken (32–64 characters): one per remediation and secret. */
export const rotationToken = (remediationId: string, secretArn: string) =>
  createHash('sha256').update(`${remediationId}\n${secretArn}`).digest('hex').slice(0, 48);

/** The role's credentials as the team's worker reads them; a value that is not JSON of that shape is refused. */
async function readStored(sm: SecretsManagerClient, secretId: string, versionId?: string) {
  const out = await sm.send(
    // The stage named, not left to the default: moto 5.2.5 answers a bare GetSecretValue with the version that
    // was current before an UpdateSecretVersionStage.
    new GetSecretValueCommand({
      SecretId: secretId,
      ...(versionId ? { VersionId: versionId } : { VersionStage: 'AWSCURRENT' }),
    }),
  );
  const parsed = Stored.safeParse(JSON.parse(out.SecretString ?? 'null'));
  if (!parsed.success) throw new Error(`${secretId}: not a JSON {username, password, host, port} value`);
  return { value: parsed.data as StoredCredentials, versionId: out.VersionId ?? '' };
}

async function stagesOf(sm: SecretsManagerClient, secretId: string) {
  const out = await sm.send(new DescribeSecretCommand({ SecretId: secretId }));
  const stages = out.VersionIdsToStages ?? {};
  const holding = (stage: string) => Object.keys(stages).find((v) => stages[v]?.includes(stage));
  return { arn: out.ARN ?? secretId, name: out.Name ?? secretId, stages, holding };
}

/** The URLs a scanner may have found the password in. */
const urlsOf = (c: StoredCredentials) =>
  ['postgresql', 'postgres'].flatMap((scheme) =>
    [c.dbname ?? 'postgres', ''].map(
      (db) =>
        `${scheme}://${encodeURIComponent(c.username)}:${encodeURIComponent(c.password)}@${c.host}:${c.port}${db ? `/${db}` : ''}`,
    ),
  );

export interface RotatePostgresDeps {
  secretsManager: SecretsManagerClient;
  /** The database this worker administers: the team's own credential, never sent anywhere. */
  admin: PostgresAdmin;
  /** How long a phase waits for this worker before the enforcer reports that none polls (default 5m). */
  scheduleToStart?: string;
}

export function rotatePostgresPassword({ secretsManager: sm, admin, scheduleToStart }: RotatePostgresDeps) {
  const target = (plan: { steps: Array<{ detail: Record<string, string> }> }) => {
    const detail = Object.assign({}, ...plan.steps.map((s) => s.detail)) as Record<string, string>;
    return {
      role: detail.role ?? '',
      secretArn: detail.secretArn ?? '',
      previousVersion: detail.previousVersion ?? '',
    };
  };
  const alterRole = (role: string, password: string) =>
    asAdmin(admin, `ALTER ROLE ${quoteIdent(role)} WITH LOGIN PASSWORD ${quoteLiteral(password)}`);

  return defineAction({
    name: ACTION_NAME,
    description:
      'Rotate the password of a PostgreSQL role kept in a Secrets Manager secret: new password on the role and as AWSCURRENT',
    identityTypes: ['secret'],
    parameters: Params,
    risk: 'medium',
    timeouts: { scheduleToStart: scheduleToStart ?? '5m', startToClose: '1m', heartbeat: '10s' },

    async plan({ identity, params }): Promise<TeamPlanResult> {
      const { arn, name, holding } = await stagesOf(sm, params.secretId);
      const current = await readStored(sm, arn);
      const role = params.role ?? current.value.username;
      const base = { steps: [], account: arn.split(':')[4] };
      if (role !== current.value.username)
        return {
          ...base,
          notApplicable: `${name} holds the credentials of ${current.value.username}, not ${role}`,
        };
      if (!isLeakedValue(identity, [current.value.password, ...urlsOf(current.value)]))
        return { ...base, notApplicable: `the leaked value is not the current password in ${name}` };
      if (
        current.value.port !== admin.port ||
        !['127.0.0.1', 'localhost', admin.host].includes(current.value.host)
      )
        return {
          ...base,
          refused: `${name} points at ${current.value.host}:${current.value.port}; this worker administers ${admin.host}:${admin.port}`,
        };
      return {
        ...base,
        steps: [
          {
            api: 'postgresql:ALTER ROLE PASSWORD',
            target: `postgresql://${current.value.host}:${current.value.port}/${role}`,
            detail: { role },
          },
          {
            api: 'secretsmanager:PutSecretValue',
            target: arn,
            detail: { secretArn: arn, stage: 'AWSCURRENT', previousVersion: holding('AWSCURRENT') ?? '' },
          },
        ],
        rollbackHow: `sets the previous password on ${role} again and makes its version AWSCURRENT again (the leaked one)`,
      };
    },

    async act({ plan, params, remediationId, step }) {
      const { role, secretArn, previousVersion } = target(plan);
      const token = rotationToken(remediationId, secretArn);
      step('rotate-postgres:before-put');
      let stages = await stagesOf(sm, secretArn);
      if (!stages.stages[token]) {
        const { value } = await readStored(sm, secretArn, previousVersion);
        const password = randomBytes(48).toString('base64url').slice(0, params.passwordLength);
        await sm.send(
          new PutSecretValueCommand({
            SecretId: secretArn,
            ClientRequestToken: token,
            SecretString: JSON.stringify({ ...value, password }),
            VersionStages: ['AWSPENDING'],
          }),
        );
      }
      step('rotate-postgres:after-put');
      const fresh = await readStored(sm, secretArn, token);
      await alterRole(role, fresh.value.password); // the same value again after a crash: no second rotation
      step('rotate-postgres:after-alter');
      stages = await stagesOf(sm, secretArn);
      const current = stages.holding('AWSCURRENT');
      if (current !== token)
        await sm.send(
          new UpdateSecretVersionStageCommand({
            SecretId: secretArn,
            VersionStage: 'AWSCURRENT',
            MoveToVersionId: token,
            ...(current ? { RemoveFromVersionId: current } : {}),
          }),
        );
      if (stages.stages[token]?.includes('AWSPENDING'))
        await sm.send(
          new UpdateSecretVersionStageCommand({
            SecretId: secretArn,
            VersionStage: 'AWSPENDING',
            RemoveFromVersionId: token,
          }),
        );
      step('rotate-postgres:after-stage');
      return { role, secretArn, newVersion: token, previousVersion };
    },

    async verify({ plan, outcome }) {
      const { role, secretArn, previousVersion } = target(plan);
      const current = await readStored(sm, secretArn);
      const previous = await readStored(sm, secretArn, previousVersion);
      const newWorks = await canLogIn(admin, role, current.value.password);
      const oldRefused = !(await canLogIn(admin, role, previous.value.password));
      const isNew = current.versionId === outcome.newVersion;
      return {
        ok: newWorks && oldRefused && isNew,
        detail: `${role}: AWSCURRENT is ${isNew ? 'the new version' : `version ${current.versionId}, not the new one`}; its password ${newWorks ? 'logs in' : 'is refused'}; the previous password ${oldRefused ? 'is refused' : 'still logs in'}`,
      };
    },

    async rollback({ plan, outcome, step }) {
      const { role, secretArn, previousVersion } = target(plan);
      const previous = await readStored(sm, secretArn, previousVersion);
      step('rotate-postgres:rollback-before-alter');
      await alterRole(role, previous.value.password);
      const stages = await stagesOf(sm, secretArn);
      const current = stages.holding('AWSCURRENT');
      if (current !== previousVersion)
        await sm.send(
          new UpdateSecretVersionStageCommand({
            SecretId: secretArn,
            VersionStage: 'AWSCURRENT',
            MoveToVersionId: previousVersion,
            ...(current ? { RemoveFromVersionId: current } : {}),
          }),
        );
      return {
        role,
        secretArn,
        restoredVersion: previousVersion,
        replacedVersion: String(outcome.newVersion),
      };
    },

    async verifyRollback({ plan, outcome }) {
      const { role, secretArn, previousVersion } = target(plan);
      const current = await readStored(sm, secretArn);
      const rotated = await readStored(sm, secretArn, String(outcome.newVersion));
      const back = current.versionId === previousVersion;
      const oldWorks = await canLogIn(admin, role, current.value.password);
      const newRefused = !(await canLogIn(admin, role, rotated.value.password));
      return {
        ok: back && oldWorks && newRefused,
        detail: `${role}: AWSCURRENT is ${back ? 'the previous version again' : `version ${current.versionId}`}; the previous password ${oldWorks ? 'logs in' : 'is refused'}; the rotated one ${newRefused ? 'is refused' : 'still logs in'}`,
      };
    },
  });
}
