// Which findings topic a format belongs on when the producer does not say.

import { topics } from '../infra/endpoints.ts';
import { FORMAT_SOURCE, type Format } from '../schemas/finding.ts';

export function topicForFormat(format: Format): string {
  return topics[FORMAT_SOURCE[format]];
}
