// Score range filters, driven and read the way a user sets them (brushing the scatter, clicking a
// histogram bar, typing a range in a column header) and the rows they should leave: shared by
// e2e/charts.spec.ts and the UI benchmark (scripts/bench-ui.ts, run by tsx: the functions given to
// the page below are anonymous, so esbuild's keepNames leaves them alone).
import type { Page } from '@playwright/test';

export type ScoreKey = 'ifd' | 'aifd' | 'aifd_gap' | 'dist_consistency' | 's_a' | 's_a_given_q' | 'embed_consistency';
export type Ranges = Partial<Record<ScoreKey, { min: number | null; max: number | null }>>;

/** Whether a record's scores pass every range (a missing score fails it), as the app filters. */
export function inRanges(scores: Partial<Record<ScoreKey, number | null>> | null, ranges: Ranges): boolean {
  return Object.entries(ranges).every(([k, b]) => {
    const v = scores?.[k as ScoreKey];
    return v !== null && v !== undefined && (b.min === null || v >= b.min) && (b.max === null || v <= b.max);
  });
}

/** The range filters the app shows as chips (exact bounds from data attributes). */
export async function readRanges(page: Page): Promise<Ranges> {
  const chips = await page.getByTestId('range-chips').locator('[data-min]').evaluateAll((els) =>
    els.map((e) => ({ key: e.getAttribute('data-testid')!.replace('range-chip-', ''), min: e.getAttribute('data-min')!, max: e.getAttribute('data-max')! })),
  );
  const out: Ranges = {};
  for (const c of chips) out[c.key as ScoreKey] = { min: c.min === '' ? null : Number(c.min), max: c.max === '' ? null : Number(c.max) };
  return out;
}

/** The toolbar's count: "100,000 shown" or "1,234 of 100,000 shown". */
export const shownText = (shown: number, total: number) =>
  shown === total ? `${total.toLocaleString('en-US')} shown` : `${shown.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} shown`;

/** Drags a rectangle over the scatter's plot area, in fractions of its size. */
export async function brush(page: Page, from: [number, number], to: [number, number]): Promise<void> {
  const box = (await page.getByTestId('scatter-brush').boundingBox())!;
  await page.mouse.move(box.x + box.width * from[0], box.y + box.height * from[1]);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * ((from[0] + to[0]) / 2), box.y + box.height * ((from[1] + to[1]) / 2), { steps: 4 });
  await page.mouse.move(box.x + box.width * to[0], box.y + box.height * to[1], { steps: 4 });
  await page.mouse.up();
}

/** Clicks a histogram bar (one with a visible height), `fraction` of the way along the x axis. Throws with fewer than 4 such bars. */
export async function clickBar(page: Page, testId: string, fraction: number): Promise<void> {
  await page.getByTestId(testId).scrollIntoViewIfNeeded();
  const boxes = await page
    .getByTestId(testId)
    .locator('.recharts-bar-rectangle path')
    .evaluateAll((els) =>
      els
        .map((e) => e.getBoundingClientRect())
        .filter((r) => r.height > 2)
        .map((r) => ({ x: r.x + r.width / 2, y: r.y + r.height - 1 }))
        .sort((a, b) => a.x - b.x),
    );
  if (boxes.length < 4) throw new Error(`${testId}: only ${boxes.length} bars`);
  const b = boxes[Math.min(boxes.length - 1, Math.floor(boxes.length * fraction))]!;
  await page.mouse.click(b.x, b.y);
}

/** Types a range into a score column's header popover and applies it. */
export async function setRange(page: Page, key: ScoreKey, min: string, max: string): Promise<void> {
  await page.getByTestId(`range-button-${key}`).click();
  await page.getByTestId('range-min').fill(min);
  await page.getByTestId('range-max').fill(max);
  await page.getByTestId('range-apply').click();
}
