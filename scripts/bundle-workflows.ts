// Writes the prebuilt workflow bundle the production worker starts from (WORKFLOW_BUNDLE_PATH).
// `npm run build` runs it compiled, as `node dist/scripts/bundle-workflows.js`: it then bundles
// dist/workflows (the compiled JavaScript); run from source (tsx) it bundles workflows/*.ts.
//   node dist/scripts/bundle-workflows.js [output]   (default <repo>/dist/workflow-bundle.js)
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleOrderWorkflows, ORDER_WORKFLOWS_PATH } from '../workers/order-worker';

/** The repository root: the first folder upwards with a package.json (dist/ has none). */
function repositoryRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

async function main(): Promise<void> {
  const output = path.resolve(process.argv[2] ?? path.join(repositoryRoot(__dirname), 'dist', 'workflow-bundle.js'));
  const started = Date.now();
  const { code } = await bundleOrderWorkflows(ORDER_WORKFLOWS_PATH);
  await mkdir(path.dirname(output), { recursive: true });
  await writeFile(output, code);
  process.stdout.write(`workflow bundle: ${output} (${(code.length / 1024).toFixed(0)} KiB, ${Date.now() - started} ms)\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bundling the workflows failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
