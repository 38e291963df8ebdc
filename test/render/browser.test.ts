import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRenderer, type Renderer } from "../../src/render/renderer.ts";
import { SAMPLE_DATA } from "../../src/render/samples.ts";
import { TEMPLATE_NAMES } from "../../src/render/templates.ts";

// Debian's Chromium (installed by scripts/test.mjs), never a downloaded browser. Absent: the test fails.
const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOTS = new URL("../../var/screenshots/", import.meta.url);
const WIDTHS = { desktop: 1024, mobile: 375 } as const;

let browser: Browser;
let renderer: Renderer;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (npm test does it as root)`);
  }
  // Chromium refuses to run as root with its sandbox.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: process.getuid?.() === 0 ? ["--no-sandbox"] : [],
  });
  renderer = await createRenderer();
  await mkdir(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
});

/** Opens an email's HTML at a width; the page is closed by the caller. */
async function open(html: string, width: number) {
  const page = await browser.newPage({ viewport: { width, height: 800 } });
  await page.setContent(html, { waitUntil: "load" });
  return page;
}

/** The page's widest content against the viewport (an expression: the browser's globals are not typed here). */
async function overflow(page: Awaited<ReturnType<typeof open>>) {
  return page.evaluate<{ scrollWidth: number; viewport: number }>(
    "({ scrollWidth: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth), viewport: window.innerWidth })",
  );
}

describe("the result email in a browser", () => {
  it.each(Object.entries(WIDTHS))("fits a %s screen (%i px) and shows its 8 rows", async (label, width) => {
    const { html } = renderer.render("result", SAMPLE_DATA.result);
    const page = await open(html, width);
    try {
      const { scrollWidth, viewport } = await overflow(page);
      expect(viewport).toBe(width);
      expect(scrollWidth).toBeLessThanOrEqual(viewport);
      const rows = page.locator("tr[data-row]");
      expect(await rows.count()).toBe(8);
      for (const row of await rows.all()) {
        expect(await row.isVisible()).toBe(true);
        const box = await row.boundingBox();
        expect(box).not.toBeNull();
        expect(box!.x).toBeGreaterThanOrEqual(0);
        expect(box!.x + box!.width).toBeLessThanOrEqual(width);
        // Label and value side by side, both readable.
        expect(await row.locator("th").isVisible()).toBe(true);
        expect(await row.locator("td").boundingBox()).not.toBeNull();
      }
      await expect(page.locator("text=La tranche de financement calculée est =").isVisible()).resolves.toBe(
        true,
      );
      await page.screenshot({ path: new URL(`result-${label}.png`, SCREENSHOTS).pathname, fullPage: true });
    } finally {
      await page.close();
    }
  });

  it("keeps a reference too long for a phone inside the screen", async () => {
    const reference = `Groupement-hospitalier-de-territoire-${"Tres-Long-Nom-".repeat(12)}Fin`;
    const { html } = renderer.render("result", { ...SAMPLE_DATA.result, reference });
    const page = await open(html, WIDTHS.mobile);
    try {
      const { scrollWidth, viewport } = await overflow(page);
      expect(scrollWidth).toBeLessThanOrEqual(viewport);
    } finally {
      await page.close();
    }
  });
});

describe("every email in a browser", () => {
  it.each(TEMPLATE_NAMES.filter((n) => n !== "result"))("%s fits a phone screen", async (name) => {
    const { html } = renderer.render(name, SAMPLE_DATA[name] as never);
    const page = await open(html, WIDTHS.mobile);
    try {
      const { scrollWidth, viewport } = await overflow(page);
      expect(scrollWidth).toBeLessThanOrEqual(viewport);
      await page.screenshot({ path: new URL(`${name}-mobile.png`, SCREENSHOTS).pathname, fullPage: true });
    } finally {
      await page.close();
    }
  });
});
