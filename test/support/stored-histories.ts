// The tests of a folder of stored histories (test/histories/<kind>/): recording the missing ones
// is explicit (RECORD_HISTORIES=1), there is one per scenario and none without one, and every
// history in the folder, the generations before a patch in its subfolders too, replays against
// the current workflow code.
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJson } from './history-json';
import { replayFailures } from './temporal';

export const RECORD_HISTORIES = process.env.RECORD_HISTORIES === '1';

export function storedHistoryTests(options: {
  kind: string;
  dir: string;
  scenarios: Record<string, () => Promise<WorkflowHandle>>;
  /** Starts what the scenarios need, before recording. */
  beforeRecording?: () => Promise<void>;
  /** Files (relative to `dir`) the folder must hold besides the scenarios', such as an older generation's. */
  alsoStored?: string[];
  /** The folder holds generations from before a patch too: more histories than scenarios. */
  olderGenerations?: boolean;
}): void {
  const { dir, scenarios } = options;
  const historyFile = (name: string) => path.join(dir, `${name}.json`);
  describe(`stored ${options.kind} histories`, () => {
    (RECORD_HISTORIES ? it : it.skip)('records the history of every scenario that has none yet (RECORD_HISTORIES=1)', async () => {
      await options.beforeRecording?.();
      await mkdir(dir, { recursive: true });
      for (const name of Object.keys(scenarios).filter((scenario) => !existsSync(historyFile(scenario)))) {
        const handle = await scenarios[name]();
        await writeFile(historyFile(name), `${historyToJson(await handle.fetchHistory())}\n`);
      }
    });

    it('has a stored history for every scenario, and no history without its scenario', async () => {
      const stored = (await readdir(dir)).filter((file) => file.endsWith('.json')).map((file) => file.replace(/\.json$/, ''));
      const missing = Object.keys(scenarios).filter((name) => !stored.includes(name));
      const testFile = path.relative(process.cwd(), expect.getState().testPath ?? '');
      expect({ missing, hint: missing.length > 0 ? `record them: RECORD_HISTORIES=1 ./dev test ${testFile}` : null }).toEqual({ missing: [], hint: null });
      expect(stored.filter((name) => !(name in scenarios))).toEqual([]);
    });

    it(`replays every stored ${options.kind} history against the current workflow code`, async () => {
      const files = (await readdir(dir, { recursive: true })).filter((file) => file.endsWith('.json')).sort();
      expect(files).toEqual(expect.arrayContaining(options.alsoStored ?? []));
      if (options.olderGenerations) expect(files.length).toBeGreaterThan(Object.keys(scenarios).length);
      expect(await replayFailures(dir, files)).toEqual([]);
    });
  });
}
