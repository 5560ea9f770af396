// The demo's composer driven from an end-to-end test (demo.e2e and demo-pixels.e2e).
import type { Page } from 'playwright';

/** Places one shape by clicking the palette and the canvas at (x, y) in [0, 1]. */
export async function placeShape(page: Page, shape: string, colour: string, size: string, x: number, y: number): Promise<void> {
  await page.click(`#pick-shape-${shape}`);
  await page.click(`#pick-colour-${colour}`);
  await page.click(`#pick-size-${size}`);
  const box = (await page.locator('#compose-canvas').boundingBox())!;
  await page.mouse.click(box.x + x * box.width, box.y + y * box.height);
}
