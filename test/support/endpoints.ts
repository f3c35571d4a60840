// Endpoints of a local stack, for tests of the rules that allow development keys only when everything is local.
import type { Endpoints } from '../../infra/endpoints.ts';

export const LOCAL_STACK_ENDPOINTS: Endpoints = {
  kafkaBrokers: ['127.0.0.1:19092'],
  temporalAddress: '127.0.0.1:17233',
  temporalNamespace: 'default',
  awsEndpoint: 'http://127.0.0.1:15000',
  awsRegion: 'us-east-1',
};
