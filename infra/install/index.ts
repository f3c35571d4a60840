// The installers and the paths of what they install (each cached under cacheDir(), keyed by version).
export { installKafka } from './kafka.ts';
export { installMoto } from './moto.ts';
export { kafkaLibs, motoPython, temporalCliPath, testServerPath } from './paths.ts';
export { installTemporalCli } from './temporal-cli.ts';
export { installTemporalTestServer } from './temporal-test-server.ts';
