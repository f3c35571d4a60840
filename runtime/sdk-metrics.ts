// The Temporal SDK's own metrics (workflow task and activity executions and failures, poll and schedule-to-start
// latencies, sticky cache, slots: `temporal_*`), exported by the SDK's core on a loopback port of its own and
// appended to the process's /metrics, so a worker is scraped on one port like every nhi process.
import { freeLoopbackPort } from './free-port.ts';
import { installQuietRuntime } from './worker.ts';

/**
 * Installs the SDK's Runtime with its Prometheus exporter on a free loopback port, before the first native
 * connection. Returns what to append to /metrics, or undefined when the Runtime was installed already (a test
 * process running many workers): then the SDK exports nothing here.
 */
export async function installSdkMetrics(): Promise<(() => Promise<string>) | undefined> {
  const port = await freeLoopbackPort();
  const installed = installQuietRuntime({
    prometheus: {
      bindAddress: `127.0.0.1:${port}`,
      countersTotalSuffix: true,
      useSecondsForDurations: true,
      unitSuffix: true,
    },
  });
  if (!installed) return undefined;
  const url = `http://127.0.0.1:${port}/metrics`;
  return async () => {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      return res.ok ? await res.text() : '';
    } catch {
      return ''; // the exporter is not up yet (no connection opened): our own metrics still answer
    }
  };
}
