// nhi run refuses the public development fingerprint key unless every endpoint is local.
import { describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.ts';
import type { Endpoints } from '../../../infra/endpoints.ts';
import { devKeyRefusal, nonLocalEndpoints } from '../../../runtime/key-guard.ts';
import { DEV_FINGERPRINT_KEY } from '../../../schemas/redaction.ts';

const local: Endpoints = {
  kafkaBrokers: ['127.0.0.1:19092', 'localhost:19093'],
  temporalAddress: '127.0.0.1:17233',
  temporalNamespace: 'default',
  awsEndpoint: 'http://127.0.0.1:15000',
  awsRegion: 'us-east-1',
};

describe('development fingerprint key guard', () => {
  it('allows the dev key when everything is local', () => {
    expect(nonLocalEndpoints(local)).toEqual([]);
    expect(devKeyRefusal({}, local)).toBeUndefined();
    expect(devKeyRefusal({}, { ...local, kafkaBrokers: ['[::1]:9092'] })).toBeUndefined();
  });

  it.each([
    ['real AWS', { awsEndpoint: undefined }, /real AWS \(NHI_AWS_ENDPOINT=aws\) is not local/],
    ['a remote broker', { kafkaBrokers: ['127.0.0.1:1', 'kafka.prod:9092'] }, /Kafka kafka\.prod:9092/],
    ['Temporal Cloud', { temporalAddress: 'ns.tmprl.cloud:7233' }, /Temporal ns\.tmprl\.cloud:7233/],
    ['a remote AWS endpoint', { awsEndpoint: 'https://iam.example.com' }, /AWS endpoint https:\/\/iam/],
  ])('refuses the dev key with %s, in one line', (_what, change, message) => {
    const line = devKeyRefusal({}, { ...local, ...change });
    expect(line).toMatch(message);
    expect(line).toMatch(/^NHI_FINGERPRINT_KEY is not set/);
    expect(line).not.toContain('\n');
    expect(devKeyRefusal({ NHI_FINGERPRINT_KEY: DEV_FINGERPRINT_KEY }, { ...local, ...change })).toBe(line);
    expect(devKeyRefusal({ NHI_FINGERPRINT_KEY: 'a-real-secret' }, { ...local, ...change })).toBeUndefined();
  });

  it('nhi run with NHI_AWS_ENDPOINT=aws and no key exits 1 with one line, before connecting', async () => {
    const saved = { aws: process.env.NHI_AWS_ENDPOINT, key: process.env.NHI_FINGERPRINT_KEY };
    process.env.NHI_AWS_ENDPOINT = 'aws';
    delete process.env.NHI_FINGERPRINT_KEY;
    try {
      const err: string[] = [];
      const code = await main(['run', '--metrics-port', 'off'], { out: () => {}, err: (l) => err.push(l) });
      expect(code).toBe(1);
      expect(err).toHaveLength(1);
      expect(err[0]).toMatch(/^nhi run: NHI_FINGERPRINT_KEY is not set .*real AWS/);
    } finally {
      if (saved.aws === undefined) delete process.env.NHI_AWS_ENDPOINT;
      else process.env.NHI_AWS_ENDPOINT = saved.aws;
      if (saved.key !== undefined) process.env.NHI_FINGERPRINT_KEY = saved.key;
    }
  });
});
