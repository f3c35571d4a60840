// Each format's closing statuses, end to end through the normaliser and the identity record: the tool's report
// that a finding is resolved, passed or suppressed closes the open finding it answers (same id, the same tool's
// native id, or the same check on the same subject: the check key), keeping the report's status and reason, and a
// later open report of the same finding opens it again.
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../schemas/finding.ts';
import type { IdentityRef } from '../../../schemas/identity.ts';
import { emptyRecord, IdentityState } from '../../../workflows/identity/state.ts';
import { fixtureFile } from '../../support/corpus.ts';
import { findingsOf } from '../../support/normalize.ts';

const NOW = '2026-11-20T12:00:00.000Z';
/** The record's identity when a finding names none (an incident whose entities are not expanded). */
const SOME_IDENTITY: IdentityRef = {
  key: 'arn:aws:iam::123456789012:user/ci',
  type: 'aws-user',
  provider: 'aws',
  aliases: [],
};
const json = (name: string) => JSON.parse(fixtureFile(name).toString('utf8'));
const one = (input: unknown): Finding => {
  const findings = findingsOf(
    typeof input === 'string' || input instanceof Buffer ? input : JSON.stringify(input),
  );
  expect(findings).toHaveLength(1);
  return findings[0]!;
};

/** Delivers `open`, then `closing`; returns the open finding's status in the record after each. */
function lifecycle(open: Finding, closing: Finding) {
  const state = new IdentityState(emptyRecord(open.identities[0] ?? SOME_IDENTITY));
  state.addFindings([open], NOW);
  const statusOf = () => state.record.findings.find((f) => f.id === open.id)?.status;
  const before = statusOf();
  const changed = state.addFindings([closing], NOW);
  return { before, after: statusOf(), changed: changed.length, open: state.openFindings().length };
}

const closes = (open: Finding, closing: Finding, as: Finding['status'] = 'resolved') => {
  expect(open.status).toBe('open');
  expect(closing.status).toBe(as);
  expect(lifecycle(open, closing)).toEqual({ before: 'open', after: as, changed: 1, open: 0 });
};

describe('a closing report closes the open finding it answers', () => {
  const asff = json('asff/controls-resolved-keys.json');
  const control = { ...(Array.isArray(asff) ? asff : asff.Findings)[0], RecordState: 'ACTIVE' };
  const failed = { ...control, Workflow: { Status: 'NEW' }, Compliance: { Status: 'FAILED' } };

  it('ASFF: Workflow.Status RESOLVED, RecordState ARCHIVED and Compliance.Status PASSED close it', () => {
    closes(one(failed), one({ ...failed, Workflow: { Status: 'RESOLVED' } }));
    closes(one(failed), one({ ...failed, RecordState: 'ARCHIVED' }));
    closes(one(failed), one({ ...failed, Compliance: { Status: 'PASSED' } }), 'passed');
    expect(one({ ...failed, Workflow: { Status: 'NOTIFIED' } }).status).toBe('open');
  });

  it('ASFF: Workflow.Status SUPPRESSED closes it as suppressed, the note kept as the reason for reviewers', () => {
    const muted = one({
      ...failed,
      Workflow: { Status: 'SUPPRESSED' },
      Note: { Text: 'accepted risk, TICKET-7' },
    });
    expect(muted.statusReason).toBe('accepted risk, TICKET-7');
    closes(one(failed), muted, 'suppressed');
    const state = new IdentityState(emptyRecord(one(failed).identities[0] ?? SOME_IDENTITY));
    state.addFindings([one(failed), muted], NOW);
    expect(state.record.findings[0]).toMatchObject({
      status: 'suppressed',
      statusReason: 'accepted risk, TICKET-7',
    });
  });

  it('a later open report of the same finding (updated in place: same id) opens it again; a re-delivery does not', () => {
    const open = one(failed);
    const resolved = one({
      ...failed,
      Workflow: { Status: 'RESOLVED' },
      LastObservedAt: '2030-01-01T00:00:00Z',
    });
    const back = one({ ...failed, Workflow: { Status: 'NEW' }, LastObservedAt: '2030-02-01T00:00:00Z' });
    expect(back.id).toBe(open.id);
    const state = new IdentityState(emptyRecord(open.identities[0] ?? SOME_IDENTITY));
    state.addFindings([open, resolved], NOW);
    expect(state.openFindings()).toEqual([]);
    expect(state.addFindings([open], NOW)).toEqual([]); // the first report again: older than the closing
    expect(state.addFindings([back], NOW).map((f) => f.id)).toEqual([open.id]);
    expect(state.openFindings().map((f) => f.id)).toEqual([open.id]);
  });

  it('OCSF (Prowler): status_code PASS closes the FAIL of the same check on the same resource', () => {
    closes(
      one(fixtureFile('ocsf/prowler-4.2-fail-single.json')),
      one(fixtureFile('ocsf/prowler-4.2-pass-single.json')),
      'passed',
    );
  });

  it('OCSF: a PASS under another id closes the FAIL of the same check on the same resource (check key)', () => {
    const fail = one(fixtureFile('ocsf/prowler-4.2-fail-single.json'));
    const passJson = json('ocsf/prowler-4.2-pass-single.json');
    const pass = one({
      ...passJson,
      finding_info: { ...passJson.finding_info, uid: 'another-scan-run-uid' },
    });
    expect(pass.source.nativeId).not.toBe(fail.source.nativeId);
    expect(pass.checkKey).toMatch(/^ck_[0-9a-f]{32}$/);
    expect(pass.checkKey).toBe(fail.checkKey);
    expect(lifecycle(fail, pass)).toEqual({ before: 'open', after: 'passed', changed: 1, open: 0 });
    // Another check on the same resource is another check key: it closes nothing.
    const other = one({
      ...passJson,
      finding_info: { ...passJson.finding_info, uid: 'x' },
      metadata: { ...passJson.metadata, event_code: 'iam_some_other_check' },
    });
    expect(other.checkKey).not.toBe(fail.checkKey);
    expect(lifecycle(fail, other)).toMatchObject({ after: 'open', open: 1 });
  });

  it('a closing report that overtook the failure it answers (by check key) still closes it on arrival', () => {
    const fail = one(fixtureFile('ocsf/prowler-4.2-fail-single.json'));
    const passJson = json('ocsf/prowler-4.2-pass-single.json');
    const pass = one({
      ...passJson,
      finding_info: { ...passJson.finding_info, uid: 'another-scan-run-uid' },
    });
    const state = new IdentityState(emptyRecord(fail.identities[0] ?? SOME_IDENTITY));
    state.addFindings([pass], NOW);
    state.addFindings([fail], NOW);
    expect(state.openFindings()).toEqual([]);
  });

  it('GuardDuty: service.archived closes it as suppressed (an archive is a dismissal, not a fix)', () => {
    const gd = json('guardduty/bare-instance-credential-exfiltration.json');
    const archived = one({ ...gd, service: { ...gd.service, archived: true } });
    expect(archived.statusReason).toBe('archived in GuardDuty');
    closes(one({ ...gd, service: { ...gd.service, archived: false } }), archived, 'suppressed');
  });

  it('GitHub secret scanning: a false_positive / wont_fix / used_in_tests resolution is suppressed, its comment not copied', () => {
    const hook = json('github-secret-scanning/webhook-resolved.json');
    for (const resolution of ['false_positive', 'wont_fix', 'used_in_tests']) {
      const f = one({ ...hook, alert: { ...hook.alert, resolution, resolution_comment: 'CANARY-COMMENT' } });
      expect(f).toMatchObject({ status: 'suppressed', statusReason: resolution });
      expect(JSON.stringify(f)).not.toContain('CANARY-COMMENT');
    }
  });

  it('GitHub secret scanning: resolved closes it; a later reopen is open again', () => {
    const created = one(fixtureFile('github-secret-scanning/webhook-created.json'));
    const resolved = one(fixtureFile('github-secret-scanning/webhook-resolved.json'));
    closes(created, resolved);
    const hook = json('github-secret-scanning/webhook-created.json');
    const reopened = one({
      ...hook,
      action: 'reopened',
      alert: { ...hook.alert, updated_at: '2024-04-22T09:00:00Z' },
    });
    expect(reopened.id).not.toBe(created.id);
    const state = new IdentityState(emptyRecord(created.identities[0] ?? SOME_IDENTITY));
    state.addFindings([created, resolved, reopened], NOW);
    expect(state.openFindings().map((f) => f.id)).toEqual([reopened.id]);
    // The same reopen re-delivered changes nothing.
    expect(state.addFindings([reopened], NOW)).toEqual([]);
  });

  it('Sentinel: an incident Closed closes the open incident (same incident id)', () => {
    const incident = json('sentinel/incident-rest-get.json');
    closes(
      one({ ...incident, properties: { ...incident.properties, status: 'New' } }),
      one({ ...incident, properties: { ...incident.properties, status: 'Closed' } }),
    );
  });

  it('Splunk notable: status 5 / status_label Closed or Resolved closes it (same event_id)', () => {
    const line = fixtureFile('splunk-notable/aws-notables-export.ndjson')
      .toString('utf8')
      .trim()
      .split('\n')[0]!;
    const exported = JSON.parse(line);
    const notable = { ...exported.result, status: '1', status_label: 'New' };
    closes(
      one({ ...exported, result: notable }),
      one({ ...exported, result: { ...notable, status: '5', status_label: 'Closed' } }),
    );
    const { status: _status, ...labelOnly } = notable;
    closes(
      one({ ...exported, result: labelOnly }),
      one({ ...exported, result: { ...labelOnly, status_label: 'Resolved' } }),
    );
  });
});
