// The worker's side of service messages (schemas/service-seal.ts): the public keys its workflows verify with, read
// from the worker's configuration, and a seal for a message a workflow sends. Workflows call both as local
// activities: the keys never pass through a message or a workflow's input, and the secret key never leaves this
// process (only the seal goes into history).
import { sealAs, serviceKeys } from '../runtime/service-keys.ts';
import type { ServicePublicKeys, ServiceSeal } from '../schemas/service-seal.ts';

export function createServiceSealActivities() {
  return {
    async servicePublicKeys(): Promise<ServicePublicKeys> {
      return serviceKeys().publicKeys;
    },
    /** Seals what a workflow of this worker sends, as the `worker` service, at the workflow's time. */
    async sealServiceMessage(target: {
      workflowId: string;
      message: string;
      body: unknown;
      at: string;
    }): Promise<ServiceSeal> {
      return sealAs('worker', target);
    },
  };
}
