// Each format's closing statuses, end to end through the normaliser and the identity record: the tool's report
// that a finding is resolved, passed or archived closes the open finding it answers (same id, or the same tool's
// native id — for a check, the check on the resource), and a GitHub reopen opens it again.
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

const closes = (open: Finding, closing: Finding) => {
  expect(open.status).toBe('open');
  expect(closing.status).toBe('resolved');
  expect(lifecycle(open, closing)).toEqual({ before: 'open', after: 'resolved', changed: 1, open: 0 });
};

describe('a closing report closes the open finding it answers', () => {
  const asff = json('asff/controls-resolved-keys.json');
  const control = { ...(Array.isArray(asff) ? asff : asff.Findings)[0], RecordState: 'ACTIVE' };
  const failed = { ...control, Workflow: { Status: 'NEW' }, Compliance: { Status: 'FAILED' } };

  it('ASFF: Workflow.Status RESOLVED, RecordState ARCHIVED and Compliance.Status PASSED close it', () => {
    closes(one(failed), one({ ...failed, Workflow: { Status: 'RESOLVED' } }));
    closes(one(failed), one({ ...failed, RecordState: 'ARCHIVED' }));
    closes(one(failed), one({ ...failed, Compliance: { Status: 'PASSED' } }));
  });

  it('ASFF: Workflow.Status SUPPRESSED stays open (a person muted it; the problem is still there)', () => {
    expect(one({ ...failed, Workflow: { Status: 'SUPPRESSED' } }).status).toBe('open');
  });

  it('OCSF (Prowler): status_code PASS closes the FAIL of the same check on the same resource', () => {
    closes(
      one(fixtureFile('ocsf/prowler-4.2-fail-single.json')),
      one(fixtureFile('ocsf/prowler-4.2-pass-single.json')),
    );
  });

  it('GuardDuty: service.archived closes it', () => {
    const gd = json('guardduty/bare-instance-credential-exfiltration.json');
    closes(
      one({ ...gd, service: { ...gd.service, archived: false } }),
      one({ ...gd, service: { ...gd.service, archived: true } }),
    );
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
