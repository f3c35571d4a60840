// Other versions and report modes of the supported tools, each a real public sample (sources in the fixtures'
// README.md): auto names the shape it chose (`<format>/<variant>`, also in each finding's source.variant), and
// every sample's identities, kinds, severities and statuses are what the tool said, with no secret let out.
import { describe, expect, it } from 'vitest';
import { shapesOf } from '../../../../schemas/normalize.ts';
import { canariesIn, makeCanaries, plantInFreeText } from '../../../support/canaries.ts';
import { fixtureFile } from '../../../support/corpus.ts';
import { findingsOf, outcomesOf } from '../../../support/normalize.ts';

interface Sample {
  file: string;
  /** The variant, or for JSON lines of different shapes each line's variant in order. */
  variant: string | string[];
  kinds: string[];
  severities: string[];
  statuses: string[];
  /** Identity keys, sorted; a secret's fingerprint part is written as `…` (it depends on the key). */
  identities: string[];
  /** Raw secret values (or parts of them) in the sample that must appear in no output. */
  secrets?: string[];
}

const open = (n: number) => Array<string>(n).fill('open');

const SAMPLES: Sample[] = [
  {
    file: 'gitleaks/v7.5-report.json',
    variant: 'gitleaks/v7',
    kinds: ['exposed-secret', 'exposed-secret', 'exposed-secret'],
    severities: ['medium', 'medium', 'medium'],
    statuses: open(3),
    identities: ['secret:aws:…', 'secret:private-key:…'], // AKIAIOSFODNN7EXAMPLE: a sample id, no identity
    secrets: ['BEGIN OPENSSH PRIVATE KEY'],
  },
  {
    file: 'gitleaks/v7.4.sarif',
    variant: 'gitleaks/sarif',
    kinds: ['exposed-secret', 'exposed-secret'],
    severities: ['medium', 'medium'],
    statuses: open(2),
    identities: ['secret:aws:…', 'secret:private-key:…'], // AKIAIOSFODNN7EXAMPLE: a sample id, no identity
    secrets: ['BEGIN OPENSSH PRIVATE KEY'],
  },
  {
    file: 'gitleaks/v8-json-extra.json',
    variant: 'gitleaks/v8',
    kinds: ['exposed-secret'],
    severities: ['medium'],
    statuses: open(1),
    identities: ['secret:generic:…'],
    // The value, the match and the whole line it sat on.
    secrets: ['a secret', 'line containing secret'],
  },
  {
    file: 'github-secret-scanning/rest-alerts-org.json',
    variant: 'github-secret-scanning/rest-alerts',
    kinds: ['exposed-secret', 'exposed-secret', 'exposed-secret'],
    severities: ['critical', 'critical', 'low'],
    // The first resolved as a false positive (suppressed), the third revoked (resolved).
    statuses: ['suppressed', 'open', 'resolved'],
    // The AWS alert's value is the access key id (no secret), here AWS's documentation sample: a resource with a
    // warning, never an identity (aws-id-check.ts).
    identities: ['secret:adafruit:…', 'secret:aws:…', 'secret:github:…'],
    secrets: ['aio_XXXXXXXXXXXXXXXXXXXXXXXXXXXX', 'ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'],
  },
  {
    file: 'trivy/repo-secrets.json',
    variant: 'trivy/repo',
    kinds: ['exposed-secret', 'exposed-secret'],
    severities: ['critical', 'high'],
    statuses: open(2),
    identities: ['secret:aws:…', 'secret:generic:…'],
    // A GitHub token on a context line next to the match: never copied.
    secrets: ['ghp_EXAMPLE0123456789abcdefghijklmnopqrs'],
  },
  {
    file: 'trivy/fs-terraform-iam.json',
    variant: 'trivy/fs',
    kinds: ['excess-privilege'],
    severities: ['low'],
    statuses: open(1),
    identities: [],
  },
  {
    file: 'sarif/checkov-2.5-terraform.sarif',
    variant: 'sarif/checkov',
    kinds: ['misconfiguration'],
    severities: ['high'],
    statuses: open(1),
    identities: [],
  },
  {
    file: 'checkov/single-framework-severity.json',
    variant: 'checkov/report',
    kinds: ['misconfiguration', 'misconfiguration', 'misconfiguration', 'misconfiguration'],
    severities: ['medium', 'medium', 'low', 'high'],
    statuses: open(4),
    identities: [],
  },
  {
    file: 'kube-bench/controls-list-cis-1.5.json',
    variant: 'kube-bench/controls',
    kinds: ['misconfiguration', 'misconfiguration', 'misconfiguration', 'misconfiguration'],
    severities: ['medium', 'medium', 'medium', 'medium'],
    statuses: open(4),
    identities: [],
  },
  {
    file: 'kube-bench/report-cis-1.5-upstream.json',
    variant: 'kube-bench/report',
    // PASS results are no findings; the manual WARN is one, for information.
    kinds: ['misconfiguration'],
    severities: ['info'],
    statuses: open(1),
    identities: [],
  },
  {
    file: 'asff/prowler-3.3-list.json',
    variant: 'asff/list',
    kinds: ['unused-credential', 'stale-credential', 'misconfiguration'],
    severities: ['medium', 'medium', 'medium'],
    // The first check PASSED for this user.
    statuses: ['passed', 'open', 'open'],
    identities: ['arn:aws:iam::123456789012:user/dams'],
  },
  {
    file: 'asff/eventbridge-imported.json',
    variant: 'asff/eventbridge',
    kinds: ['stale-credential'],
    severities: ['medium'],
    statuses: open(1),
    identities: ['arn:aws:iam::123456789012:user/dams'],
  },
  {
    file: 'asff/get-findings-page.json',
    variant: 'asff/get-findings',
    kinds: ['misconfiguration'],
    severities: ['info'],
    // Compliance PASSED and RecordState ARCHIVED.
    statuses: ['resolved'],
    identities: [],
  },
  {
    file: 'asff/get-findings-last-page.json',
    variant: 'asff/findings',
    kinds: ['misconfiguration'],
    severities: ['critical'],
    statuses: open(1),
    identities: [],
  },
  {
    file: 'asff/batch-import-request.json',
    variant: 'asff/findings',
    kinds: ['misconfiguration'],
    // Only FindingProviderFields.Severity, as a provider writes it.
    severities: ['low'],
    statuses: open(1),
    identities: [],
  },
  {
    file: 'asff/eventbridge-custom-action.json',
    variant: 'asff/eventbridge-custom-action',
    kinds: ['misconfiguration'],
    severities: ['critical'],
    statuses: open(1),
    identities: [],
  },
  {
    file: 'cloudtrail/console-sign-in.jsonl',
    // A log file's {Records} on the first line, bare records after it.
    variant: ['cloudtrail/log-file', 'cloudtrail/event', 'cloudtrail/event'],
    kinds: ['anomalous-use', 'activity', 'activity'],
    severities: ['medium', 'info', 'info'],
    statuses: open(3),
    // The failed sign-in and the MFA check name the user without an ARN.
    identities: ['arn:aws:iam::111122223333:user/anaya'],
  },
  {
    file: 'google-scc/list-findings-threat-sa.json',
    variant: 'google-scc/list-findings',
    kinds: ['compromise-indicator'],
    severities: ['critical'],
    statuses: open(1),
    identities: [
      'gcp:principal:admin@example.com',
      'gcp:principal:attacker@example.com',
      'gcp:service-account:compute-sa@prod-web-app-284002.iam.gserviceaccount.com',
    ],
  },
  {
    file: 'google-scc/finding-v2-snake-case.json',
    variant: 'google-scc/finding-v2-snake-case',
    kinds: ['compromise-indicator'],
    severities: ['low'],
    statuses: open(1),
    identities: ['gcp:service-account:service-74090171112@gcp-sa-yakima.iam.gserviceaccount.com'],
  },
  {
    file: 'asff/finding-with-nulls.json',
    variant: 'asff/finding',
    kinds: ['misconfiguration'],
    severities: ['info'],
    // Workflow RESOLVED, Compliance PASSED.
    statuses: ['resolved'],
    identities: [],
  },
  {
    file: 'sentinel/incident-alerts-rest-list.json',
    variant: 'sentinel/rest-list',
    kinds: ['compromise-indicator'],
    severities: ['low'],
    statuses: open(1),
    identities: [],
  },
  {
    file: 'splunk-notable/search-results-api.json',
    variant: 'splunk-notable/search-results',
    kinds: ['compromise-indicator'],
    severities: ['info'],
    statuses: open(1),
    identities: ['principal:generic:root', 'principal:generic:xxx'],
  },
  {
    file: 'ocsf/prowler-azure-list.ocsf.json',
    variant: 'ocsf/list',
    kinds: ['misconfiguration', 'misconfiguration', 'misconfiguration'],
    severities: ['low', 'medium', 'high'],
    statuses: open(3),
    identities: [],
  },
  {
    file: 'wiz/wizcli-img-scan.json',
    variant: 'wiz/cli-image',
    kinds: ['exposed-secret'],
    severities: ['medium'],
    statuses: open(1),
    identities: ['secret:generic:…'],
  },
  {
    file: 'wiz/wizcli-dir-scan.json',
    variant: 'wiz/cli-dir',
    // Its three library CVEs are not read; the password in a URL is.
    kinds: ['exposed-secret'],
    severities: ['medium'],
    statuses: open(1),
    identities: ['secret:generic:…'],
  },
  {
    file: 'trufflehog/v3-git-and-filesystem.jsonl',
    // Each line names the source it was scanned from.
    variant: ['trufflehog/v3-git', 'trufflehog/v3-filesystem'],
    kinds: ['exposed-secret', 'exposed-secret'],
    severities: ['critical', 'medium'],
    statuses: open(2),
    identities: [
      // The key ids (AKIA…EXAMPLE) are documentation samples: resources, never identities (aws-id-check.ts).
      'arn:aws:iam::111122223333:user/canarytokens.com@@mirux23ppyky6hx3l6vclmhnj',
      'secret:aws:…',
    ],
    // RawV2 is the key id followed by its secret access key.
    secrets: ['je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY'],
  },
  {
    file: 'trivy/k8s-summary-report.json',
    variant: 'trivy/k8s-summary',
    // The misconfigurations of the split report, read the same; the CVE-only workload adds nothing.
    kinds: ['misconfiguration', 'misconfiguration'],
    severities: ['medium', 'low'],
    statuses: open(2),
    identities: [],
  },
  {
    file: 'elastic-alert/kibana-8.1-threat-match-hit.json',
    variant: 'elastic-alert/hit',
    // An indicator match on a host: no user, so no identity.
    kinds: ['compromise-indicator'],
    severities: ['low'],
    statuses: open(1),
    identities: [],
  },
  {
    file: 'elastic-alert/siem-signal-7.16-source.json',
    variant: 'elastic-alert/alert-legacy-signal',
    kinds: ['compromise-indicator'],
    severities: ['low'],
    statuses: open(1),
    identities: [],
  },
  {
    file: 'scoutsuite/gcp-results.js.txt',
    variant: 'scoutsuite/results',
    kinds: ['misconfiguration', 'misconfiguration'],
    severities: ['medium', 'medium'],
    statuses: open(2),
    identities: [],
  },
];

const keysOf = (file: string) =>
  [
    ...new Set(
      findingsOf(fixtureFile(file), { format: 'auto' }).flatMap((f) =>
        f.identities.map((i) => i.key.replace(/^(secret:[a-z-]+):[0-9a-f]{16}$/, '$1:…')),
      ),
    ),
  ].sort();

/** Plant in free text, but keep an EventBridge envelope's `source` (aws.securityhub): it names the producer. */
function keepEnvelopeSource(doc: Record<string, unknown>, prose: string): unknown {
  const planted = plantInFreeText(doc, prose) as Record<string, unknown>;
  return 'detail-type' in doc ? { ...planted, source: doc.source } : planted;
}

describe.each(SAMPLES)('$file', (sample) => {
  const bytes = fixtureFile(sample.file);
  const findings = findingsOf(bytes, { format: 'auto' });

  it(`auto names ${sample.variant}, in the outcome and in each finding's source`, () => {
    const outcomes = outcomesOf(bytes, { format: 'auto' });
    if (Array.isArray(sample.variant)) {
      expect(outcomes.map((o) => o.variant)).toEqual(sample.variant);
      expect(findings.map((f) => f.source.variant)).toEqual(sample.variant);
    } else {
      expect(new Set(outcomes.map((o) => o.variant))).toEqual(new Set([sample.variant]));
      expect(findings.map((f) => f.source.variant)).toEqual(findings.map(() => sample.variant));
    }
  });

  it('kinds, severities, statuses and identities are what the tool said', () => {
    expect(findings.map((f) => f.kind)).toEqual(sample.kinds);
    expect(findings.map((f) => f.severity.label)).toEqual(sample.severities);
    expect(findings.map((f) => f.status)).toEqual(sample.statuses);
    expect(keysOf(sample.file)).toEqual(sample.identities);
  });

  it('no secret of the sample, and none planted in its free text, comes out', () => {
    const out = JSON.stringify(findings);
    for (const secret of sample.secrets ?? []) {
      expect(bytes.toString('utf8')).toContain(secret);
      expect(out).not.toContain(secret);
    }
    const canaries = makeCanaries();
    const text = bytes.toString('utf8');
    // JSON lines and ScoutSuite's JavaScript wrapper: plant line by line, keep the wrapper.
    const prefix = text.match(/^\s*scoutsuite_results\s*=\s*/)?.[0] ?? '';
    const body = text.slice(prefix.length);
    const planted = sample.file.endsWith('.jsonl')
      ? body
          .split('\n')
          .filter((l) => l.trim())
          .map((l) => JSON.stringify(plantInFreeText(JSON.parse(l), canaries.prose)))
          .join('\n')
      : prefix + JSON.stringify(keepEnvelopeSource(JSON.parse(body), canaries.prose));
    expect(canariesIn(JSON.stringify(findingsOf(planted, { format: 'auto' })), canaries)).toEqual([]);
  });
});

describe('trivy k8s --report summary', () => {
  it('gives the findings of the full report it consolidates, same ids', () => {
    const ids = (file: string) => findingsOf(fixtureFile(file), { format: 'auto' }).map((f) => f.id);
    expect(ids('trivy/k8s-summary-report.json')).toEqual(ids('trivy/k8s-cluster-pre-0.37.json'));
  });
});

describe('Elastic alerts: a canary in the reason (the description) is masked, the reason is kept', () => {
  it.each(['elastic-alert/kibana-8.1-threat-match-hit.json', 'elastic-alert/siem-signal-7.16-source.json'])(
    '%s',
    (file) => {
      const canaries = makeCanaries();
      const doc = JSON.parse(fixtureFile(file).toString('utf8'));
      const source = doc._source ?? doc.signal;
      const key = doc._source ? 'kibana.alert.reason' : 'reason';
      source[key] = `${source[key]} ${canaries.prose}`;
      const [finding] = findingsOf(JSON.stringify(doc), { format: 'auto' });
      expect(finding!.description).toContain('created low alert threat-match-rule.');
      expect(canariesIn(JSON.stringify(finding), canaries)).toEqual([]);
    },
  );
});

describe('empty reports: zero findings, nothing rejected, the shape still named', () => {
  const EMPTY: Array<[string, string | undefined]> = [
    ['trivy/schema-v1-results.json', 'trivy/schema-v1'],
    ['trivy/image-clean.json', 'trivy/image'],
    ['trivy/sbom-cyclonedx-vulns.json', 'trivy/cyclonedx'],
    ['checkov/empty-v2.json', 'checkov/empty-report'],
    ['detect-secrets/no-findings-baseline.json', 'detect-secrets/baseline'],
    ['sarif/no-runs.sarif', 'sarif/no-runs'],
    ['splunk-notable/search-results-empty.json', 'splunk-notable/search-results'],
    // `null` (a gitleaks report with no leaks) and `[]` name no format: nothing to name.
    ['gitleaks/no-findings-null.json', undefined],
    ['github-secret-scanning/rest-alerts-empty.json', undefined],
  ];
  it.each(EMPTY)('%s', (file, shape) => {
    expect(outcomesOf(fixtureFile(file), { format: 'auto' })).toEqual([]);
    expect(shapesOf(fixtureFile(file))).toEqual(shape ? [shape] : []);
  });

  it('an Elastic _search that matched nothing is an empty report too', () => {
    const empty = JSON.stringify({ took: 3, timed_out: false, hits: { total: { value: 0 }, hits: [] } });
    expect(outcomesOf(empty, { format: 'auto' })).toEqual([]);
    expect(shapesOf(empty)).toEqual(['elastic-alert/search-hits']);
  });
});
