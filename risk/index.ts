// The pure risk module: capabilities from IAM policies, blast radius across roles, the risk score and the
// remediation decisions it leads to. No I/O, no clock, no randomness: safe to import from workflow code.
export * from './capability-catalogue.ts';
export * from './decide.ts';
export * from './evaluate-policy.ts';
export * from './patterns.ts';
export * from './reach.ts';
export * from './score.ts';
