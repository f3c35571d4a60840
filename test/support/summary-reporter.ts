// Ends the run with one plain line, "N passed, N failed, N skipped", that any CI log reader understands, after the
// slowest test files: the suite has a time budget (~25 min on 2 cores), and CI logs are where it is watched.
import type { Reporter, TestModule } from 'vitest/node';

const SLOWEST_SHOWN = 10;

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      if (module.state() === 'failed' && ![...module.children.allTests()].length) failed++;
    }
    const slowest = [...modules]
      .map((module) => ({ file: module.relativeModuleId, seconds: module.diagnostic().duration / 1000 }))
      .sort((a, b) => b.seconds - a.seconds)
      .slice(0, SLOWEST_SHOWN);
    if (modules.length > SLOWEST_SHOWN) {
      process.stdout.write(`\nslowest test files:\n`);
      for (const { file, seconds } of slowest)
        process.stdout.write(`  ${seconds.toFixed(1).padStart(7)} s  ${file}\n`);
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
