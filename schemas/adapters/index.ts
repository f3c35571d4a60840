// Every input format, in the order `--format auto` tries them: the most specific signatures first
// (gitleaks SARIF before generic SARIF, envelopes before what they wrap).
import type { Format } from '../finding.ts';
import type { Adapter } from './adapter.ts';
import { asffAdapter } from './asff.ts';
import { checkovAdapter } from './checkov.ts';
import { cloudtrailAdapter } from './cloudtrail.ts';
import { detectSecretsAdapter } from './detect-secrets.ts';
import { elasticAlertAdapter } from './elastic-alert.ts';
import { githubSecretScanningAdapter } from './github-secret-scanning.ts';
import { gitleaksAdapter } from './gitleaks.ts';
import { googleSccAdapter } from './google-scc.ts';
import { guarddutyAdapter } from './guardduty.ts';
import { kubeBenchAdapter } from './kube-bench.ts';
import { ocsfAdapter } from './ocsf.ts';
import { sarifAdapter } from './sarif.ts';
import { scoutsuiteAdapter } from './scoutsuite.ts';
import { sentinelAdapter } from './sentinel.ts';
import { splunkNotableAdapter } from './splunk-notable.ts';
import { trivyAdapter } from './trivy.ts';
import { trufflehogAdapter } from './trufflehog.ts';
import { wizAdapter } from './wiz.ts';

export const adapters: readonly Adapter[] = [
  cloudtrailAdapter,
  guarddutyAdapter,
  asffAdapter,
  ocsfAdapter,
  gitleaksAdapter,
  trufflehogAdapter,
  githubSecretScanningAdapter,
  detectSecretsAdapter,
  trivyAdapter,
  sarifAdapter,
  splunkNotableAdapter,
  sentinelAdapter,
  elasticAlertAdapter,
  googleSccAdapter,
  wizAdapter,
  checkovAdapter,
  kubeBenchAdapter,
  scoutsuiteAdapter,
];

const byFormat = new Map<Format, Adapter>(adapters.map((a) => [a.format, a]));

export function adapterFor(format: Format): Adapter {
  const adapter = byFormat.get(format);
  if (!adapter) throw new Error(`no adapter for format '${format}'`);
  return adapter;
}
