// A tool's sample or test finding (GuardDuty `service.additionalInfo.sample`, ASFF `Sample`) is recorded on the
// identity but never scored and never a kind the policy's rules act on; the same finding, not a sample, is.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandFindings } from '../../../activities/assess-identity.ts';
import { decide } from '../../../risk/decide.ts';
import { scoreIdentity } from '../../../risk/score.ts';
import { DEFAULT_HYGIENE, DEFAULT_WEIGHTS } from '../../../schemas/policy.ts';
import { parsePolicyText } from '../../../schemas/policy-file.ts';
import {
  actionableKinds,
  emptyRecord,
  IdentityState,
  scoringFindings,
} from '../../../workflows/identity/state.ts';
import { findingsOf } from '../../support/normalize.ts';

const POLICY = parsePolicyText(
  readFileSync(join(import.meta.dirname, '../../../policies/default.yaml'), 'utf8'),
  'policies/default.yaml',
);
const NOW = '2026-11-30T00:00:00.000Z';

function guardDuty(sample: boolean) {
  const doc = JSON.parse(
    readFileSync(join(import.meta.dirname, '../../fixtures/guardduty/get-findings-cli.json'), 'utf8'),
  ) as { Findings: Array<{ Service: { Archived?: boolean; AdditionalInfo?: Record<string, unknown> } }> };
  const record = doc.Findings[0]!;
  record.Service.Archived = false; // this fixture's finding is archived (resolved); an open one is needed here
  record.Service.AdditionalInfo = { ...(record.Service.AdditionalInfo ?? {}), Sample: sample };
  const [finding] = findingsOf(JSON.stringify(record), { format: 'guardduty' });
  return finding!;
}

function assess(sample: boolean) {
  const finding = guardDuty(sample);
  const identity = finding.identities[0]!;
  const state = new IdentityState(emptyRecord(identity));
  state.addFindings([finding], NOW);
  const open = state.openFindings();
  const risk = scoreIdentity(
    { key: identity.key, type: identity.type, findings: expandFindings(scoringFindings(open)) },
    { weights: DEFAULT_WEIGHTS, hygiene: DEFAULT_HYGIENE },
  );
  const decisions = decide(POLICY, {
    identity: { key: identity.key, type: identity.type },
    risk: { ...risk, score: 100 }, // even at the top score, a sample's kind is no reason to act
    openFindingKinds: actionableKinds(open),
    now: NOW,
  });
  return { finding, open, risk, decisions };
}

describe('sample findings', () => {
  it('the adapter marks a GuardDuty sample', () => {
    expect(guardDuty(true).evidence.sample).toBe(true);
    expect(guardDuty(false).evidence.sample).toBeUndefined();
  });

  it('a sample is recorded, not scored, and triggers no action', () => {
    const { open, risk, decisions } = assess(true);
    expect(open).toHaveLength(1);
    expect(open[0]!.sample).toBe(true);
    expect(risk.score).toBe(0);
    expect(decisions.filter((d) => POLICY.rules.find((r) => r.id === d.ruleId)?.when?.kinds)).toEqual([]);
  });

  it('the same finding, not a sample, is scored and its kind does fire the rules', () => {
    const { risk, decisions } = assess(false);
    expect(risk.score).toBeGreaterThan(0);
    expect(decisions.filter((d) => POLICY.rules.find((r) => r.id === d.ruleId)?.when?.kinds)).not.toEqual([]);
  });
});
