// `npm run build`: compiles the `nhi` command and the platform teams' kit to dist/ (JavaScript: production loads
// no TypeScript) and prebuilds the workflow bundle the worker loads instead of bundling workflows/ at start.
//
// esbuild, not tsc: the whole tree compiles in about a second (tsc's emit takes tens of seconds here and would
// need a second copy of every asset path), and `npm test` typechecks anyway. Packages stay external: the image
// installs the production dependencies beside dist/. Every output file sits directly in dist/, one level below
// the package root like every source file, so paths a module builds from import.meta.url (../policies/…) still
// resolve. `node --import tsx deploy/build.ts [OUT_DIR]`.
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { workflowBundle } from '../runtime/worker.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * A deep import into a package without an `exports` map (`@temporalio/common/lib/time`) may leave out the file's
 * extension under TypeScript and tsx, not under Node's ESM resolver: name the file it resolves to.
 */
const deepImportsWithExtension: Plugin = {
  name: 'deep-imports-with-extension',
  setup(b) {
    const require = createRequire(join(root, 'package.json'));
    b.onResolve({ filter: /^(?:@[^/]+\/[^/]+|[^@./][^/]*)\/[^.]+$/ }, (args) => {
      if (args.path.startsWith('node:')) return undefined;
      const file = require.resolve(args.path);
      return file.endsWith(`${args.path}.js`) ? { path: `${args.path}.js`, external: true } : undefined;
    });
  },
};

/** What a build wrote, for the log line and the tests. */
export interface Built {
  dir: string;
  files: string[];
}

export async function buildDist(dir = join(root, 'dist')): Promise<Built> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: { nhi: 'deploy/entry.ts', actions: 'kit/actions.ts' },
    outdir: dir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
    plugins: [deepImportsWithExtension],
  });
  // The worker's workflows, bundled once here (webpack, seconds) rather than at every worker start.
  const { code } = await workflowBundle();
  writeFileSync(join(dir, 'workflow-bundle.js'), code);
  // The demo's sample finding, read beside the module that needs it.
  copyFileSync(join(root, 'demo', 'leaked-key.trufflehog.jsonl'), join(dir, 'leaked-key.trufflehog.jsonl'));
  return {
    dir,
    files: [...Object.keys(result.metafile.outputs), 'workflow-bundle.js', 'leaked-key.trufflehog.jsonl'],
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const built = await buildDist(process.argv[2] ? resolve(process.argv[2]) : undefined);
  process.stderr.write(
    `built ${built.dir}: ${built.files.length} files in ${((Date.now() - started) / 1000).toFixed(1)}s\n`,
  );
}
