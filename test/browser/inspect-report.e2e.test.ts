// `recap inspect`'s page in Chromium: the report of the shipped checkpoint (written by the
// compiled CLI) renders every figure with a nonzero size, its title, axis labels and legend, and a
// full-page screenshot is saved to test-artifacts/inspect.png.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import type { Browser } from 'playwright';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from './chromium.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
let browser: Browser;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'recap-inspect-e2e-'));
  const r = spawnSync(process.execPath, [join(root, 'dist/cli/main.js'), 'inspect', '--checkpoint', join(root, 'assets/shapes-lstm.recap'),
    '--max-train', '200', '--num-val', '40', '--n', '16', '--knockout-images', '20', '--out', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`recap inspect failed: ${r.stderr}`);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('every figure renders with a size, a title, axis labels and a legend; screenshot', async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await page.goto(pathToFileURL(join(dir, 'inspect.html')).href);
  const figures = await page.$$eval('svg.figure', (svgs) => svgs.map((s) => {
    const r = s.getBoundingClientRect();
    const text = (sel: string) => Array.from(s.querySelectorAll(sel), (e) => e.textContent ?? '');
    return {
      cls: s.getAttribute('class'), width: r.width, height: r.height, title: s.querySelector('title')?.textContent ?? '',
      xLabel: text('.x-label'), yLabel: text('.y-label'), legend: text('.legend text'), marks: s.querySelectorAll('polyline.series, .points circle, .cells rect, .bar-series rect').length,
    };
  }));
  expect(figures.map((f) => f.cls)).toEqual([
    'figure gradient-flow', 'figure jacobian', 'figure scatter', 'figure heatmap', 'figure heatmap', 'figure heatmap', 'figure heatmap', 'figure bars', 'figure loss', 'figure grad-norm',
  ]);
  for (const f of figures) {
    expect(f.width, f.cls!).toBeGreaterThan(200);
    expect(f.height, f.cls!).toBeGreaterThan(100);
    expect(f.title.length).toBeGreaterThan(5);
    if (f.cls === 'figure grad-norm') continue; // the shipped checkpoint has no gradient-norm history: "not recorded"
    expect(f.xLabel[0]?.length, f.cls!).toBeGreaterThan(3);
    expect(f.yLabel[0]?.length, f.cls!).toBeGreaterThan(3);
    expect(f.legend.length, f.cls!).toBeGreaterThan(0);
    expect(f.marks, f.cls!).toBeGreaterThan(0);
  }
  expect(figures[0].yLabel[0]).toContain('log scale');
  expect(figures[0].legend).toContain("‖∂L_T/∂h_t‖, last step's loss");
  expect(await page.locator('table.knockout tbody tr').count()).toBe(6);
  mkdirSync(join(root, 'test-artifacts'), { recursive: true });
  await page.screenshot({ path: join(root, 'test-artifacts', 'inspect.png'), fullPage: true });
  await page.close();
});
