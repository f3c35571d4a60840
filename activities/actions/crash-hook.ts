// Test-only fault injection: with NHI_TEST_CRASH_AT=<step>, the worker process kills itself (SIGKILL, no cleanup)
// when an action reaches that step, so a test can prove each step is safe to crash at. Unset in production.
export function crashIfAsked(step: string, env: NodeJS.ProcessEnv = process.env): void {
  if (env.NHI_TEST_CRASH_AT && env.NHI_TEST_CRASH_AT === step) process.kill(process.pid, 'SIGKILL');
}
