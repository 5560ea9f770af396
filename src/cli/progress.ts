// The training progress bar (TTY) or periodic progress lines: loss, SCST reward, the gradient's
// L2 norm before clipping (an encoder's lead iterations: its concept loss), speed and time left.
import type { StepInfo } from '../index.js';
import { clock } from './common.js';

/** Remaining time at the run's average speed (unknown for the first few steps, which warm up). */
function eta(info: StepInfo): string {
  const done = info.iteration + 1;
  if (done < info.numIterations && info.iteration < 5) return '--:--';
  return clock((info.numIterations - done) / info.itersPerSecond);
}

export class Progress {
  private lastDraw = 0;
  private lastLine = -Infinity;
  private drawn = false;
  constructor(private err: (s: string) => void, private tty: boolean, private columns: number, private interval: number, private epochs: number) {}

  update(info: StepInfo): void {
    const now = performance.now();
    const last = info.iteration + 1 === info.numIterations;
    if (this.tty) {
      if (!last && now - this.lastDraw < 100) return;
      this.lastDraw = now;
      const done = info.iteration + 1;
      const loss = info.lead ? `CNN alone: concept loss ${info.loss.toFixed(3)}` : `loss ${info.loss.toFixed(3)}${info.reward !== undefined ? `  reward ${info.reward.toFixed(3)}` : ''}  |g| ${info.gradNorm.toPrecision(3)}`;
      const stats = ` ${done}/${info.numIterations}  epoch ${this.epochOf(info)}/${this.epochs}  ${loss}  ${info.itersPerSecond.toFixed(1)} it/s  ETA ${eta(info)} `;
      const width = Math.max(10, Math.min(30, this.columns - 80)); // fixed per run: the bar does not jitter
      const fill = Math.round((width * done) / info.numIterations);
      this.err(`\r\x1b[2Ktrain [${'#'.repeat(fill)}${'.'.repeat(width - fill)}]${stats}`);
      this.drawn = true;
    } else {
      if (!last && now - this.lastLine < this.interval) return;
      this.lastLine = now;
      const loss = info.lead ? `the CNN alone, concept loss ${info.loss.toFixed(4)}` : `loss ${info.loss.toFixed(4)}${info.reward !== undefined ? `, reward ${info.reward.toFixed(3)}` : ''}, grad norm ${info.gradNorm.toPrecision(4)}`;
      this.err(`iteration ${info.iteration + 1}/${info.numIterations} (epoch ${this.epochOf(info)}/${this.epochs}): ${loss}, ${info.itersPerSecond.toFixed(1)} it/s, ETA ${eta(info)}\n`);
    }
  }

  /** 1-based epoch of the step just run (info.epoch already counts an epoch that just ended). */
  private epochOf(info: StepInfo): number {
    const perEpoch = info.numIterations / this.epochs;
    return Math.min(this.epochs, Math.floor(info.iteration / perEpoch) + 1);
  }

  finish(): void {
    if (this.tty && this.drawn) this.err('\n');
    this.drawn = false;
  }
}
