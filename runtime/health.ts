// Liveness and readiness of a long-running process, served beside its metrics (GET /livez, GET /readyz) for an
// orchestrator's probes. Live: the process answers at all (a wedged event loop does not). Ready: every part the
// process runs (the findings consumer, the Temporal worker) says it is working; one that is starting, stopping or
// has crashed says why not, in the answer's body.

/** A named part's answer: undefined when it is ready, else one line saying why not. */
export type ReadinessCheck = () => string | undefined;

export interface Readiness {
  /** Adds or replaces a part's check. */
  check(name: string, check: ReadinessCheck): void;
  /** Why the process is not ready, one line per part that is not; empty when it is. */
  problems(): string[];
}

export function createReadiness(): Readiness {
  const checks = new Map<string, ReadinessCheck>();
  return {
    check(name, check) {
      checks.set(name, check);
    },
    problems() {
      if (checks.size === 0) return ['starting'];
      const out: string[] = [];
      for (const [name, check] of checks) {
        let why: string | undefined;
        try {
          why = check();
        } catch (error) {
          why = (error as Error).message;
        }
        if (why) out.push(`${name}: ${why}`);
      }
      return out;
    },
  };
}
