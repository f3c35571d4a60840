// moto: AWS emulator that enforces IAM policies once its admin user exists (INITIAL_NO_AUTH_ACTION_COUNT).
import { localPorts } from '../endpoints.ts';
import { StackError } from '../errors.ts';
import { installMoto } from '../install/moto.ts';
import { motoPython } from '../install/paths.ts';
import {
  adminCredentialsPath,
  bootstrapAdmin,
  bootstrapCallCount,
  readAdminCredentials,
} from './moto-admin.ts';
import type { Service } from './service.ts';

const region = 'us-east-1';

export function motoService(): Service {
  const port = localPorts().moto;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    name: 'moto',
    port,
    ports: [{ port, env: 'NHI_MOTO_PORT' }],
    startTimeoutMs: 60_000,
    install: installMoto,
    requireTools: () => {},
    process: () => ({
      service: 'moto',
      command: motoPython(),
      // `python -m moto.server` = the moto_server script, minus a shebang tied to the venv's build path.
      args: ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)],
      env: { ...process.env, INITIAL_NO_AUTH_ACTION_COUNT: String(bootstrapCallCount) },
      expect: ['moto.server', String(port)],
    }),
    // /moto-api/config is served outside moto's auth layer, so probing does not spend the budget.
    probe: async () => {
      try {
        const response = await fetch(`${endpoint}/moto-api/config`, { signal: AbortSignal.timeout(2_000) });
        await response.arrayBuffer();
        return response.ok;
      } catch {
        return false;
      }
    },
    ready: async (dir, fresh, log) => {
      if (fresh) {
        await bootstrapAdmin(dir, endpoint, region);
        log(`moto: IAM enforcement on; admin key written to ${adminCredentialsPath(dir)}`);
        return;
      }
      if (!readAdminCredentials(dir)) {
        throw new StackError(
          'moto',
          `running, but its admin key ${adminCredentialsPath(dir)} is missing`,
          'run nhi stack down && nhi stack up',
        );
      }
    },
  };
}
