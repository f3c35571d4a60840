// A value sampled on a timer for the metrics (consumer lag, the brakes' status), never on the scrape path: a slow
// broker or server must not make a scrape time out. A slow sample is not stacked up; stop waits for the one in
// flight, so nothing reports after it.

export interface Sampler {
  stop(): Promise<void>;
}

export function startSampler<T>(opts: {
  sample: () => Promise<T>;
  intervalMs: number;
  onSample: (value: T) => void;
  onError?: (error: Error) => void;
  /** Run once after the last sample (close a connection the sampler opened). */
  onStop?: () => Promise<void>;
}): Sampler {
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  let stopped = false;
  const tick = () => {
    if (busy || stopped) return;
    busy = true;
    running = opts
      .sample()
      .then((value) => {
        if (!stopped) opts.onSample(value);
      })
      .catch((error: Error) => opts.onError?.(error))
      .finally(() => {
        busy = false;
      });
  };
  tick();
  const timer = setInterval(tick, opts.intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      await opts.onStop?.().catch(() => {});
    },
  };
}
