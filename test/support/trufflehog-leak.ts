// A trufflehog v3 record of a verified AWS key as the scanner writes it (Raw is the base64 of the secret), and its
// publication to a findings topic keyed by the user: what the end-to-end tests feed the pipeline.
import { produce } from './kafka.ts';

export interface LeakedAccessKey {
  AccessKeyId?: string;
  SecretAccessKey?: string;
}

export interface LeakPlace {
  file?: string;
  repository?: string;
  line?: number;
  commit?: string;
  /** When the commit was made (trufflehog's git timestamp); absent in some of its outputs. */
  committed?: Date;
}

const gitTime = (d: Date) =>
  d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' +0000');

export function trufflehogLeak(userArn: string, key: LeakedAccessKey, place: LeakPlace = {}) {
  return {
    SourceMetadata: {
      Data: {
        Git: {
          commit: place.commit ?? 'abc123',
          file: place.file ?? 'deploy/.env',
          repository: place.repository ?? 'https://github.com/example/app',
          timestamp: gitTime(place.committed ?? new Date('2026-11-01T10:00:00Z')),
          line: place.line ?? 3,
        },
      },
    },
    SourceName: 'trufflehog - git',
    DetectorType: 2,
    DetectorName: 'AWS',
    Verified: true,
    Raw: Buffer.from(key.SecretAccessKey!).toString('base64'),
    Redacted: key.AccessKeyId,
    ExtraData: { account: userArn.split(':')[4], arn: userArn },
  };
}

/** Publish the leak to `topic` keyed by the user, as `nhi ingest` would. */
export async function publishLeak(
  topic: string,
  userArn: string,
  key: LeakedAccessKey,
  place: LeakPlace = {},
): Promise<void> {
  await produce(topic, [
    {
      key: userArn,
      value: JSON.stringify(trufflehogLeak(userArn, key, place)),
      headers: { format: 'trufflehog' },
    },
  ]);
}
