// Which findings topic a format belongs on when the producer does not say.

import { topics } from '../infra/endpoints.ts';
import type { Format } from '../schemas/finding.ts';

const SCANNER: Format[] = [
  'gitleaks',
  'trufflehog',
  'github-secret-scanning',
  'detect-secrets',
  'trivy',
  'sarif',
];
const SIEM: Format[] = ['cloudtrail', 'splunk-notable', 'sentinel', 'elastic-alert', 'guardduty'];

export function topicForFormat(format: Format): string {
  if (SCANNER.includes(format)) return topics.scanner;
  if (SIEM.includes(format)) return topics.siem;
  return topics.cspm;
}
