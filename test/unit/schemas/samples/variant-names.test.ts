// `auto` names the shape it chose for every sample we hold: the fixtures (test/fixtures) and, where it is beside
// the checkout, the shared corpus. One row per file; each name is `<format>/<variant>` (Adapter.variant).
import { describe, expect, it } from 'vitest';
import { shapesOf } from '../../../../schemas/normalize.ts';
import { corpusAvailable, corpusFile, fixtureFile } from '../../../support/corpus.ts';
import { outcomesOf } from '../../../support/normalize.ts';

/** A file and its variant (or, for JSON lines of different shapes, each shape it holds). */
const FIXTURES: Array<[string, string | string[]]> = [
  ['asff/controls-resolved-keys.json', 'asff/get-findings'],
  ['cloudtrail/lookup-events.json', 'cloudtrail/lookup-events'],
  ['cloudtrail/records-risky.json', 'cloudtrail/log-file'],
  ['checkov/multi-framework.json', 'checkov/multi-framework'],
  ['detect-secrets/legacy-0.14-baseline.json', 'detect-secrets/baseline-v0'],
  ['elastic-alert/aws-cloudtrail-alerts.json', 'elastic-alert/search-hits'],
  ['elastic-alert/legacy-signals.json', 'elastic-alert/list'],
  ['elastic-alert/nested-alerts.ndjson', 'elastic-alert/alert'],
  ['github-secret-scanning/webhook-created.json', 'github-secret-scanning/webhook'],
  ['gitleaks/gitleaks-v8-aws.json', 'gitleaks/v8'],
  ['gitleaks/gitleaks-v8.sarif', 'gitleaks/sarif'],
  ['google-scc/list-findings-response.json', 'google-scc/list-findings'],
  ['google-scc/notifications.ndjson', 'google-scc/notification'],
  ['guardduty/bare-instance-credential-exfiltration.json', 'guardduty/finding'],
  ['guardduty/get-findings-cli.json', 'guardduty/get-findings'],
  ['kube-bench/cis-1.8-results.json', 'kube-bench/report'],
  ['ocsf/compliance-and-activity.jsonl', 'ocsf/event'],
  ['ocsf/prowler-credentials.ocsf.json', 'ocsf/list'],
  ['sarif/semgrep-ci.sarif', 'sarif/semgrep-oss'],
  ['sarif/trivy-fs.sarif', 'sarif/trivy'],
  ['scoutsuite/aws-results.js.txt', 'scoutsuite/results'],
  ['sentinel/incident-list.json', 'sentinel/rest-list'],
  ['sentinel/incident-rest-get.json', 'sentinel/arm-incident'],
  ['sentinel/securityalert-rows.ndjson', 'sentinel/la-alert'],
  ['splunk-notable/aws-notables-export.ndjson', 'splunk-notable/search-export'],
  ['trivy/config-terraform.json', 'trivy/fs'],
  ['trivy/k8s-cluster.json', 'trivy/k8s-cluster'],
  ['trivy/k8s-cluster-pre-0.37.json', 'trivy/k8s-cluster-pre-0.37'],
  ['trufflehog/v2-json-lines.jsonl', 'trufflehog/v2'],
  ['trufflehog/v3-plain-raw.jsonl', ['trufflehog/v3-filesystem', 'trufflehog/v3-github']],
  ['wiz/configuration-findings.ndjson', 'wiz/configuration-finding'],
  ['wiz/issue-webhook.json', 'wiz/webhook'],
  ['wiz/issues-graphql-response.json', 'wiz/graphql-issues'],
  ['wiz/vulnerability-finding.json', 'wiz/vulnerability-finding'],
  ['wiz/wizcli-iac-scan.json', 'wiz/cli-iac'],
];

const CORPUS: Array<[string, string]> = [
  ['asff/asr-afsbp-iam.3.json', 'asff/finding'],
  ['asff/custodian-eventbridge-securityhub-iamkey.json', 'asff/eventbridge-custom-action'],
  ['asff/defectdojo-asff-guardduty-networkpermissions.json', 'asff/list'],
  ['asff/defectdojo-config-one-finding.json', 'asff/findings-list'],
  ['asff/trivy-secrets.asff.json', 'asff/findings'],
  ['cloudtrail/custodian-eventbridge-create-bucket.json', 'cloudtrail/eventbridge'],
  ['cloudtrail/ocsf-examples-consolelogin.json', 'cloudtrail/event'],
  ['cspm-other/defectdojo-checkov-many.json', 'checkov/report'],
  ['cspm-other/elastic-integrations-google-scc-finding.ndjson', 'google-scc/result'],
  ['cspm-other/elastic-integrations-wiz-issue.ndjson', 'wiz/issue'],
  ['cspm-other/kube-bench-result.json', 'kube-bench/report'],
  ['detect-secrets/yelp-self-baseline.json', 'detect-secrets/baseline'],
  ['github-secret-scanning/defectdojo-rest-alerts-one.json', 'github-secret-scanning/rest-alerts'],
  ['gitleaks/defectdojo-redacted-data-many.json', 'gitleaks/v7'],
  ['gitleaks/defectdojo-gitleaks8-many.json', 'gitleaks/v8'],
  ['guardduty/custodian-iam-duty-event.json', 'guardduty/eventbridge'],
  ['ocsf/ocsf-examples-okta-detection-finding.ocsf.json', 'ocsf/event'],
  ['ocsf/prowler-aws.ocsf.json', 'ocsf/list'],
  ['sentinel/elastic-integrations-sentinel-alert.ndjson', 'sentinel/arm-alert'],
  ['splunk-notable/elastic-integrations-splunk-notable-alerts.ndjson', 'splunk-notable/notable'],
  ['trivy/trivy-secrets.json', 'trivy/repo'],
  ['trufflehog/defectdojo-v3-github.jsonl', 'trufflehog/v3-github'],
  ['trufflehog/defectdojo-v3-git.jsonl', 'trufflehog/v3-git'],
];

function variantsOf(bytes: Buffer): Set<string | undefined> {
  return new Set(outcomesOf(bytes, { format: 'auto' }).map((o) => o.variant));
}

describe('auto names the shape of every fixture', () => {
  it.each(FIXTURES)('%s → %s', (file, variant) => {
    const names = Array.isArray(variant) ? variant : [variant];
    expect(variantsOf(fixtureFile(file))).toEqual(new Set(names));
    expect(shapesOf(fixtureFile(file))).toEqual(names);
  });
});

describe.runIf(corpusAvailable())('auto names the shape of every corpus sample', () => {
  it.each(CORPUS)('%s → %s', (file, variant) => {
    expect(variantsOf(corpusFile(file))).toEqual(new Set([variant]));
  });
});

describe('an explicit --format names the shape too', () => {
  it('the format given, the shape found', () => {
    const bytes = fixtureFile('guardduty/get-findings-cli.json');
    expect(new Set(outcomesOf(bytes, { format: 'guardduty' }).map((o) => o.variant))).toEqual(
      new Set(['guardduty/get-findings']),
    );
  });
});
