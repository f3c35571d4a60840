// The development fingerprint key is public (it is in this repository): secrets fingerprinted with it can be
// brute-forced when they are short. It is fine for the local stack only; anywhere else `nhi run` refuses to start.
import type { Endpoints } from '../infra/endpoints.ts';
import { DEV_FINGERPRINT_KEY } from '../schemas/redaction.ts';

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|::1|\[::1\])$/i;

const hostOf = (address: string): string => {
  const bracketed = /^\[([^\]]+)\]/.exec(address);
  if (bracketed) return `[${bracketed[1]}]`;
  return address.split(':')[0] ?? address;
};

/** The endpoints that are not on this machine, each named by its setting. */
export function nonLocalEndpoints(ep: Endpoints): string[] {
  const out: string[] = [];
  const remoteBrokers = ep.kafkaBrokers.filter((b) => !LOOPBACK.test(hostOf(b)));
  if (remoteBrokers.length) out.push(`Kafka ${remoteBrokers.join(',')}`);
  if (!LOOPBACK.test(hostOf(ep.temporalAddress))) out.push(`Temporal ${ep.temporalAddress}`);
  if (ep.awsEndpoint === undefined) out.push('real AWS (NHI_AWS_ENDPOINT=aws)');
  else {
    let host = '';
    try {
      host = new URL(ep.awsEndpoint).hostname;
    } catch {}
    if (!LOOPBACK.test(host)) out.push(`AWS endpoint ${ep.awsEndpoint}`);
  }
  return out;
}

/** One line saying why `nhi run` must not start, or undefined when it may. */
export function devKeyRefusal(env: NodeJS.ProcessEnv, ep: Endpoints): string | undefined {
  const key = env.NHI_FINGERPRINT_KEY;
  if (key && key !== DEV_FINGERPRINT_KEY) return undefined;
  const remote = nonLocalEndpoints(ep);
  if (remote.length === 0) return undefined;
  return `NHI_FINGERPRINT_KEY is not set (the development key is public) and ${remote.join(', ')} ${remote.length === 1 ? 'is' : 'are'} not local: set a secret key to start`;
}
