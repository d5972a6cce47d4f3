import type { BenchPath } from './bench-path.js';
import { combineSlices, type LoadFigures } from './load-figures.js';
import { runLoad, type LoadSlice } from './load-run.js';

export interface LoadShape {
  connections: number;
  streaming: boolean;
}

export interface AlternationSettings {
  /** Unmeasured load on each path first, so JIT and connection pools are warm. */
  warmupSeconds: number;
  /** Measured time per path, cut into `slices` runs. */
  durationSeconds: number;
  slices: number;
}

/**
 * Warms both paths up, then measures them in alternating slices (ABBA order), so a machine whose
 * load changes during the measurement (other work, thermal limits) disturbs both alike.
 */
export async function measureAlternating(
  baseline: BenchPath,
  path: BenchPath,
  shape: LoadShape,
  settings: AlternationSettings,
  signal: AbortSignal,
): Promise<{ baseline: LoadFigures; path: LoadFigures }> {
  if (settings.warmupSeconds > 0) {
    for (const target of [baseline, path]) await runLoad({ ...shape, path: target, durationSeconds: settings.warmupSeconds }, signal);
  }
  const sliceSeconds = settings.durationSeconds / settings.slices;
  const baselineSlices: LoadSlice[] = [];
  const pathSlices: LoadSlice[] = [];
  for (let round = 0; round < settings.slices; round += 1) {
    const order = round % 2 === 0 ? [baseline, path] : [path, baseline];
    for (const target of order) {
      const slice = await runLoad({ ...shape, path: target, durationSeconds: sliceSeconds }, signal);
      (target === baseline ? baselineSlices : pathSlices).push(slice);
    }
  }
  const chunks = (target: BenchPath) => (shape.streaming ? target.streamedChunks : undefined);
  return { baseline: combineSlices(baselineSlices, chunks(baseline)), path: combineSlices(pathSlices, chunks(path)) };
}
