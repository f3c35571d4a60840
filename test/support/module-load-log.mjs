// Preloaded with `node --import ./test/support/module-load-log.mjs`: appends the URL of every module the process
// loads to the file NHI_MODULE_LOG names, one per line: ES modules through a resolve hook (it runs on the loader's
// own thread), CommonJS ones from require's cache when the process exits. Tests read it to prove what a process
// did not load (tsx, TypeScript).
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';

const log = process.env.NHI_MODULE_LOG;

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (log) appendFileSync(log, `${resolved.url}\n`);
  return resolved;
}

if (isMainThread && log) {
  register(import.meta.url);
  const cache = createRequire(import.meta.url).cache;
  process.on('exit', () => {
    const urls = Object.keys(cache).map((file) => pathToFileURL(file).href);
    if (urls.length) appendFileSync(log, `${urls.join('\n')}\n`);
  });
}
