// trainingHistory reads the solver's gradient-norm history and clip count beside the loss
// history (on the checkpoint, or in its solver state) when a checkpoint has them, and says so
// when it has not; the report's gradient-norm figure draws them or says "not recorded".
import { describe, expect, it } from 'vitest';
import { trainingHistory, type Checkpoint } from '../../src/index.js';
import { lineChartSvg } from '../../src/cli/svg.js';

const base = { model: null as never, solverState: null, lossHistory: [3, 2, 1], meta: {}, version: 1 } as Checkpoint;

describe('trainingHistory', () => {
  it('reads gradNormHistory and clipCount from the checkpoint or its solver state', () => {
    expect(trainingHistory(base)).toEqual({ loss: [3, 2, 1], gradNorm: null, clipCount: null });
    expect(trainingHistory({ ...base, gradNormHistory: [5, 4, 9], clipCount: 1 } as Checkpoint)).toEqual({ loss: [3, 2, 1], gradNorm: [5, 4, 9], clipCount: 1 });
    const solverState = { gradNormHistory: [7, 8], clipCount: 0 } as never;
    expect(trainingHistory({ ...base, solverState })).toEqual({ loss: [3, 2, 1], gradNorm: [7, 8], clipCount: 0 });
    expect(trainingHistory({ ...base, gradNormHistory: ['x'] } as never).gradNorm).toBeNull();
  });

  it('the gradient-norm figure: a line when recorded, "not recorded" otherwise', () => {
    const drawn = lineChartSvg([{ label: 'global ‖g‖₂ before clipping', points: [[1, 5], [2, 4], [3, 9]] }], { title: 't', xLabel: 'iteration', yLabel: '‖g‖₂', logY: true });
    expect(drawn).toContain('<polyline class="series"');
    expect(drawn).not.toContain('not recorded');
    const empty = lineChartSvg([], { title: 't', xLabel: 'iteration', yLabel: '‖g‖₂', logY: true });
    expect(empty).toContain('not recorded');
    expect(empty).not.toContain('<polyline');
  });
});
