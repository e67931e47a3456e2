/**
 * What a screen must be on every width, checked in the page as it is now: no horizontal scroll,
 * no two visible controls over each other, no control cut off by the viewport, touch targets of
 * 44 px, and no serious axe-core violation.
 */
import { expect } from "bun:test";
import { resolve } from "node:path";
import type { Page } from "playwright-core";
import { runScriptFile } from "./harness.ts";

export const ARTIFACTS = resolve(import.meta.dir, "../../artifacts/screenshots");
const AXE = resolve(import.meta.dir, "../../node_modules/axe-core/axe.min.js");

/** Serious or critical axe-core violations on the page as it is now. */
export async function axeViolations(page: Page): Promise<string[]> {
  await runScriptFile(page, AXE);
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run: (ctx: Document, opts: object) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> };
      }
    ).axe;
    const result = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
}

export async function noHorizontalScroll(page: Page) {
  const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(scroll).toBeLessThanOrEqual(client);
}

/** Visible buttons smaller than 44x44 CSS px. */
export const smallTargets = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll("button")]
      .filter((b) => b.offsetParent !== null)
      .map((b) => ({ name: b.textContent?.trim() || b.getAttribute("aria-label"), r: b.getBoundingClientRect() }))
      .filter(({ r }) => r.width < 44 || r.height < 44)
      .map(({ name, r }) => `${name} ${Math.round(r.width)}x${Math.round(r.height)}`),
  );

/**
 * Visible controls (buttons, fields, links) that overlap another or reach past the viewport, as
 * "A / B", "A cut off" or "A covered". A control inside another (a button in a field's row) does not count;
 * 1 px of touching edges does not either. What a control shows is its box clipped by the scrolling
 * (or clipping) boxes around it: one scrolled out of a panel is not on screen, one half scrolled
 * is its visible half. `sheet`: a surface meant to lie over the page (a bottom sheet); the
 * controls it covers are out of reach by design and not counted.
 */
export const controlClashes = (page: Page, sheet?: string) =>
  page.evaluate((sheet) => {
    /** The part of the element's box its clipping ancestors let through (none above a fixed box or a dialog: those escape them). */
    const shownRect = (el: Element) => {
      const r = el.getBoundingClientRect();
      let [left, top, right, bottom] = [r.left, r.top, r.right, r.bottom];
      for (let at: Element | null = el; at && at !== document.documentElement; at = at.parentElement) {
        if (at !== el) {
          const style = getComputedStyle(at);
          if (style.overflowX !== "visible" || style.overflowY !== "visible") {
            const q = at.getBoundingClientRect();
            [left, top, right, bottom] = [Math.max(left, q.left), Math.max(top, q.top), Math.min(right, q.right), Math.min(bottom, q.bottom)];
          }
        }
        if (at.tagName === "DIALOG" || getComputedStyle(at).position === "fixed") break;
      }
      return new DOMRect(left, top, Math.max(0, right - left), Math.max(0, bottom - top));
    };
    const covered = (el: Element, r: DOMRect) => {
      if (!sheet || el.closest(sheet)) return false;
      return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)?.closest(sheet) != null;
    };
    const visible = (el: Element) => {
      const r = shownRect(el);
      const style = getComputedStyle(el);
      return r.width > 0 && r.height > 0 && style.visibility !== "hidden" && !el.closest("[inert], [hidden], [aria-hidden='true']") && !covered(el, r);
    };
    const name = (el: Element) => el.getAttribute("aria-label") ?? (el.textContent?.trim().slice(0, 40) || el.tagName);
    const controls = [...document.querySelectorAll("button, input, select, textarea, a[href]")].filter(visible);
    const found: string[] = [];
    for (const el of controls) {
      const r = shownRect(el);
      if (r.left < -1 || r.top < -1 || r.right > innerWidth + 1 || r.bottom > innerHeight + 1) found.push(`${name(el)} cut off`);
      // Its middle is its own: not hidden under something else.
      else if (!el.contains(document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2))) found.push(`${name(el)} covered`);
    }
    for (let i = 0; i < controls.length; i++) {
      for (let j = i + 1; j < controls.length; j++) {
        const [a, b] = [controls[i]!, controls[j]!];
        if (a.contains(b) || b.contains(a)) continue;
        const [p, q] = [shownRect(a), shownRect(b)];
        const w = Math.min(p.right, q.right) - Math.max(p.left, q.left);
        const h = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
        if (w > 1 && h > 1) found.push(`${name(a)} / ${name(b)}`);
      }
    }
    return found;
  }, sheet);

/**
 * Pairs of the visible elements matched by `selector` whose boxes overlap by more than 1 px, as
 * "A / B" (each named by its class and text); elements inside one another do not count.
 */
export const boxClashes = (page: Page, selector: string) =>
  page.evaluate((selector) => {
    const shown = [...document.querySelectorAll(selector)].filter((el) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden";
    });
    const name = (el: Element) => `${el.className} "${el.textContent?.trim().slice(0, 30)}"`;
    const found: string[] = [];
    for (let i = 0; i < shown.length; i++) {
      for (let j = i + 1; j < shown.length; j++) {
        const [a, b] = [shown[i]!, shown[j]!];
        if (a.contains(b) || b.contains(a)) continue;
        const [p, q] = [a.getBoundingClientRect(), b.getBoundingClientRect()];
        const w = Math.min(p.right, q.right) - Math.max(p.left, q.left);
        const h = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
        if (w > 1 && h > 1) found.push(`${name(a)} / ${name(b)}`);
      }
    }
    return found;
  }, selector);

/** The element's box in CSS px, or null when it is not on screen. */
export const boxOf = (page: Page, selector: string) =>
  page.evaluate((selector) => {
    const r = document.querySelector(selector)?.getBoundingClientRect();
    return r && r.width > 0 ? { left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height } : null;
  }, selector);
