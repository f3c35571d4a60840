// The controls each enforcement decision serves, in one table the code owns (the report prints it as is).
// Mapping is by what happened, read from the history: the action taken, the kinds of finding behind it, and the
// decisions around it (human approval, signed approval, refusal, rollback, exception).

export type Framework =
  | 'OWASP NHI Top 10 (2025)'
  | 'NIST SP 800-53 r5'
  | 'SOC 2 (TSC 2017)'
  | 'CIS AWS Foundations v3.0.0';

export interface Control {
  framework: Framework;
  id: string;
  title: string;
}

const owasp = 'OWASP NHI Top 10 (2025)' as const;
const nist = 'NIST SP 800-53 r5' as const;
const soc2 = 'SOC 2 (TSC 2017)' as const;
const cis = 'CIS AWS Foundations v3.0.0' as const;

export const CONTROLS: readonly Control[] = [
  { framework: owasp, id: 'NHI1', title: 'Improper Offboarding' },
  { framework: owasp, id: 'NHI2', title: 'Secret Leakage' },
  { framework: owasp, id: 'NHI5', title: 'Overprivileged NHI' },
  { framework: owasp, id: 'NHI7', title: 'Long-Lived Secrets' },
  { framework: nist, id: 'AC-2', title: 'Account Management' },
  { framework: nist, id: 'AC-2(6)', title: 'Account Management | Dynamic Privilege Management' },
  { framework: nist, id: 'AC-6', title: 'Least Privilege' },
  { framework: nist, id: 'IA-5', title: 'Authenticator Management' },
  { framework: nist, id: 'IR-4', title: 'Incident Handling' },
  { framework: nist, id: 'AU-10', title: 'Non-repudiation' },
  { framework: nist, id: 'CM-3', title: 'Configuration Change Control' },
  { framework: soc2, id: 'CC6.1', title: 'Logical access security: credentials and access restricted' },
  { framework: soc2, id: 'CC6.2', title: 'Access removed when no longer authorised' },
  { framework: soc2, id: 'CC6.3', title: 'Access modified or removed by least privilege' },
  { framework: soc2, id: 'CC7.4', title: 'Security incidents responded to' },
  { framework: cis, id: '1.12', title: 'Credentials unused for 45 days or more are disabled' },
  { framework: cis, id: '1.14', title: 'Access keys are rotated every 90 days or less' },
  { framework: cis, id: '1.16', title: 'No IAM policy grants full "*:*" administrative privileges' },
];

/** What a decision is, as far as controls care. */
export interface DecisionFacts {
  action: string;
  findingKinds: readonly string[];
  /** A person approved before the action ran. */
  approved: boolean;
  /** Every approval carried a signature. */
  signed: boolean;
  refused: boolean;
  rolledBack: boolean;
  exception: boolean;
  /** The action's effect was checked afterwards. */
  verified: boolean;
  /** Some API call of the action completed: a refused, expired or no-op remediation changed nothing. */
  acted: boolean;
}

/** Why each control applies: [control id, when, why], evaluated in table order. */
const RULES: ReadonlyArray<[string, (d: DecisionFacts) => boolean, string]> = [
  [
    'NHI1',
    (d) => ['delete-key', 'deactivate-key'].includes(d.action) && kinds(d, 'unused-credential'),
    'an unused credential is switched off',
  ],
  ['NHI2', (d) => kinds(d, 'exposed-secret'), 'a leaked secret is contained'],
  ['NHI5', (d) => ['scope-down', 'quarantine'].includes(d.action), 'privileges are taken away'],
  [
    'NHI7',
    (d) => ['rotate-secret', 'delete-key'].includes(d.action) || kinds(d, 'stale-credential'),
    'a long-lived secret is replaced or switched off',
  ],
  [
    'AC-2',
    (d) => ['deactivate-key', 'delete-key', 'quarantine', 'revoke-sessions'].includes(d.action),
    'an account or its credential is disabled',
  ],
  ['AC-6', (d) => ['scope-down', 'quarantine'].includes(d.action), 'access is reduced to least privilege'],
  [
    'IA-5',
    (d) => ['deactivate-key', 'delete-key', 'rotate-secret'].includes(d.action),
    'an authenticator is revoked or rotated',
  ],
  [
    'IR-4',
    (d) =>
      kinds(d, 'exposed-secret', 'compromise-indicator', 'anomalous-use') || d.action === 'revoke-sessions',
    'the response to a security finding',
  ],
  ['AU-10', (d) => d.approved && d.signed, 'approvals are signed by the approver'],
  [
    'CM-3',
    (d) => d.approved || d.refused || d.rolledBack || d.exception,
    'the change was approved, refused, excepted or rolled back by a person',
  ],
  [
    'CC6.1',
    (d) =>
      ['deactivate-key', 'delete-key', 'rotate-secret', 'quarantine', 'revoke-sessions'].includes(d.action),
    'credentials or sessions are restricted',
  ],
  [
    'CC6.2',
    (d) =>
      ['deactivate-key', 'delete-key'].includes(d.action) &&
      kinds(d, 'unused-credential', 'stale-credential', 'exposed-secret'),
    'access no longer authorised is removed',
  ],
  ['CC6.3', (d) => ['scope-down', 'quarantine'].includes(d.action), 'access is modified to least privilege'],
  [
    'CC7.4',
    (d) => kinds(d, 'exposed-secret', 'compromise-indicator', 'anomalous-use'),
    'a security incident is responded to',
  ],
  [
    '1.12',
    (d) => ['deactivate-key', 'delete-key'].includes(d.action) && kinds(d, 'unused-credential'),
    'an unused credential is disabled',
  ],
  [
    '1.14',
    (d) => d.action === 'rotate-secret' || (kinds(d, 'stale-credential') && d.action !== 'scope-down'),
    'an old access key is rotated or disabled',
  ],
  ['1.16', (d) => d.action === 'scope-down' && kinds(d, 'excess-privilege'), 'admin-like grants are denied'],
];

/** Controls a decision serves even when nothing was changed (a refusal is change control at work). */
const DECISION_ONLY = new Set(['AU-10', 'CM-3']);

function kinds(d: DecisionFacts, ...wanted: string[]): boolean {
  return d.findingKinds.some((k) => wanted.includes(k));
}

export interface MappedControl extends Control {
  why: string;
}

/** The controls a decision serves, in table order. */
export function controlsFor(decision: DecisionFacts): MappedControl[] {
  return RULES.filter(([id, applies]) => (decision.acted || DECISION_ONLY.has(id)) && applies(decision)).map(
    ([id, , why]) => {
      const control = CONTROLS.find((c) => c.id === id);
      if (!control) throw new Error(`controls table has no ${id}`);
      return { ...control, why };
    },
  );
}

/** The table as the report shows it: every control and the rule that maps a decision to it. */
export const CONTROL_TABLE: ReadonlyArray<MappedControl> = RULES.map(([id, , why]) => ({
  ...(CONTROLS.find((c) => c.id === id) as Control),
  why,
}));

/** What a just-in-time access request is, as far as controls care (evidence/access-summary.ts). */
export interface AccessControlFacts {
  granted: boolean;
  approved: boolean;
  /** Refused at the moment of the request, or rejected by a person. */
  refused: boolean;
  revoked: boolean;
  /** Revoked because new risk (a critical finding) arrived. */
  revokedOnRisk: boolean;
}

const ACCESS_RULES: ReadonlyArray<[string, (a: AccessControlFacts) => boolean, string]> = [
  ['NHI5', (a) => a.granted, 'one action for a while instead of standing privilege'],
  ['NHI7', (a) => a.granted, 'short-lived credentials that expire by themselves'],
  [
    'AC-2(6)',
    (a) => a.granted || a.refused,
    "privilege granted or refused at the moment of use, on the identity's current risk",
  ],
  ['AC-6', (a) => a.granted, 'a session policy of exactly the catalogued actions'],
  ['AU-10', (a) => a.approved, 'approvals are signed by the approver'],
  ['IR-4', (a) => a.revokedOnRisk, 'a grant revoked on a new critical finding'],
  ['CC6.2', (a) => a.revoked, 'access no longer authorised is removed'],
];

/** The controls a just-in-time access request serves, in table order. */
export function accessControls(facts: AccessControlFacts): MappedControl[] {
  return ACCESS_RULES.filter(([, applies]) => applies(facts)).map(([id, , why]) => {
    const control = CONTROLS.find((c) => c.id === id);
    if (!control) throw new Error(`controls table has no ${id}`);
    return { ...control, why };
  });
}
