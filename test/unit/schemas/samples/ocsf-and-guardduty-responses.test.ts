// Report modes beyond the corpus (sources: test/fixtures/ocsf/README.md, test/fixtures/guardduty/README.md):
// a Prowler 4.2 OCSF result as a single object, failing and then passing (the pass closes the failure), and
// GuardDuty's empty API responses (zero findings, nothing rejected).
import { describe, expect, it } from 'vitest';
import { emptyRecord, IdentityState } from '../../../../workflows/identity/state.ts';
import { canariesIn, makeCanaries, plantInFreeText } from '../../../support/canaries.ts';
import { fixtureFile } from '../../../support/corpus.ts';
import { findingsOf, outcomesOf } from '../../../support/normalize.ts';

const ROLE = 'arn:aws:iam::123456789012:role/myAdministratorExecutionRole';

describe('OCSF: a Prowler 4.2 result as a single object', () => {
  const fail = fixtureFile('ocsf/prowler-4.2-fail-single.json');
  const pass = fixtureFile('ocsf/prowler-4.2-pass-single.json');

  it('FAIL: auto names ocsf; one open finding on the role, its severity and kind', () => {
    expect(outcomesOf(fail, { format: 'auto' }).map((o) => o.format)).toEqual(['ocsf']);
    const [f, ...rest] = findingsOf(fail, { format: 'auto' });
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      status: 'open',
      kind: 'misconfiguration',
      severity: { label: 'high', score: 75 },
    });
    expect(f!.identities.map((i) => i.key)).toEqual([ROLE]);
  });

  it('PASS: a passed finding with the same id, which closes the failure on the identity', () => {
    const [failed] = findingsOf(fail, { format: 'auto' });
    const [passed, ...rest] = findingsOf(pass, { format: 'auto' });
    expect(rest).toEqual([]);
    expect(passed).toMatchObject({ status: 'passed', id: failed!.id });
    expect(passed!.identities.map((i) => i.key)).toEqual([ROLE]);
    const state = new IdentityState(emptyRecord(failed!.identities[0]!));
    state.addFindings([failed], '2024-06-04T00:00:00.000Z');
    expect(state.openFindings().map((f) => f.id)).toEqual([failed!.id]);
    state.addFindings([passed], '2024-06-10T10:00:00.000Z');
    expect(state.openFindings()).toEqual([]);
  });

  it('no secret planted in its free text comes out', () => {
    const canaries = makeCanaries();
    for (const file of [fail, pass]) {
      const planted = plantInFreeText(JSON.parse(file.toString('utf8')), canaries.prose);
      const out = JSON.stringify(findingsOf(JSON.stringify(planted), { format: 'auto' }));
      expect(canariesIn(out, canaries)).toEqual([]);
    }
  });
});

describe('GuardDuty: empty API responses', () => {
  it('ListFindings with no ids and GetFindings with no findings: zero findings, nothing rejected', () => {
    for (const file of ['guardduty/list-findings-empty.json', 'guardduty/get-findings-empty.json']) {
      expect(outcomesOf(fixtureFile(file), { format: 'auto' }), file).toEqual([]);
      expect(outcomesOf(fixtureFile(file), { format: 'guardduty' }), file).toEqual([]);
    }
  });

  it('ListFindings with ids but no findings: one rejection that says what to send instead', () => {
    const outcomes = outcomesOf('{"FindingIds": ["96c7a5d1e8a0b2f4c6d8e0a2b4c6d8e0"]}', { format: 'auto' });
    expect(outcomes).toEqual([
      expect.objectContaining({
        ok: false,
        reason: expect.stringMatching(/finding id\(s\) but no findings: send the output of get-findings/),
      }),
    ]);
  });
});
