// The controls table: each decision maps to the controls it serves, by what happened.
import { describe, expect, it } from 'vitest';
import { CONTROL_TABLE, CONTROLS, controlsFor, type DecisionFacts } from '../../../evidence/controls.ts';

const facts = (over: Partial<DecisionFacts>): DecisionFacts => ({
  action: 'deactivate-key',
  findingKinds: [],
  approved: false,
  signed: false,
  refused: false,
  rolledBack: false,
  exception: false,
  verified: true,
  acted: true,
  ...over,
});
const ids = (f: Partial<DecisionFacts>) => controlsFor(facts(f)).map((c) => c.id);

describe('controls', () => {
  it('a leaked key deactivated automatically: secret leakage, account and authenticator management, incident', () => {
    expect(ids({ findingKinds: ['exposed-secret'] })).toEqual([
      'NHI2',
      'AC-2',
      'IA-5',
      'IR-4',
      'CC6.1',
      'CC6.2',
      'CC7.4',
    ]);
  });

  it('an approved scope-down of an over-privileged user: least privilege and change control, CIS 1.16', () => {
    expect(ids({ action: 'scope-down', findingKinds: ['excess-privilege'], approved: true })).toEqual([
      'NHI5',
      'AC-6',
      'CM-3',
      'CC6.3',
      '1.16',
    ]);
  });

  it('signed approvals add non-repudiation', () => {
    expect(ids({ action: 'scope-down', approved: true, signed: true })).toContain('AU-10');
    expect(ids({ action: 'scope-down', approved: true, signed: false })).not.toContain('AU-10');
  });

  it('unused and old keys: offboarding and rotation items', () => {
    expect(ids({ action: 'delete-key', findingKinds: ['unused-credential'] })).toEqual(
      expect.arrayContaining(['NHI1', 'NHI7', 'AC-2', 'IA-5', 'CC6.2', '1.12']),
    );
    expect(ids({ action: 'rotate-secret', findingKinds: ['stale-credential'] })).toEqual(
      expect.arrayContaining(['NHI7', 'IA-5', '1.14']),
    );
  });

  it('a refused remediation changed nothing: only the decision is evidence (change control)', () => {
    expect(
      ids({ action: 'quarantine', findingKinds: ['exposed-secret'], refused: true, acted: false }),
    ).toEqual(['CM-3']);
  });

  it('every rule names a control in the table, and the table covers the four frameworks', () => {
    for (const row of CONTROL_TABLE) expect(CONTROLS.some((c) => c.id === row.id)).toBe(true);
    expect(new Set(CONTROLS.map((c) => c.framework)).size).toBe(4);
    expect(CONTROLS.map((c) => c.id)).toEqual(
      expect.arrayContaining([
        'NHI1',
        'NHI2',
        'NHI5',
        'NHI7',
        'AC-2',
        'AC-6',
        'IA-5',
        'IR-4',
        'AU-10',
        'CM-3',
      ]),
    );
    expect(CONTROLS.map((c) => c.id)).toEqual(expect.arrayContaining(['CC6.1', 'CC6.2', 'CC6.3', 'CC7.4']));
  });
});
