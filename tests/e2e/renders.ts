import type { Page } from "playwright-core";

/**
 * An init script: counts how many times the stage's tiles (`.tiles > .remote`) were rendered again,
 * read from React's commits through the DevTools hook (production React calls it as well). A tile's
 * component rendered in a commit when its hooks' state is a new object: React copies it unchanged
 * when it skips the component. The first render of a tile is not counted.
 */
export function countTileRenders() {
  type Fiber = { child: Fiber | null; sibling: Fiber | null; stateNode: unknown; memoizedState: unknown };
  const w = window as unknown as { __tileRenders: number; __REACT_DEVTOOLS_GLOBAL_HOOK__?: unknown };
  w.__tileRenders = 0;
  const seen = new WeakMap<Element, unknown>();
  const visit = (first: Fiber | null, parent: Fiber) => {
    for (let f = first; f; f = f.sibling) {
      const node = f.stateNode;
      if (node instanceof HTMLElement && node.classList.contains("remote") && node.parentElement?.classList.contains("tiles")) {
        if (seen.has(node) && seen.get(node) !== parent.memoizedState) w.__tileRenders++;
        seen.set(node, parent.memoizedState);
      }
      visit(f.child, f);
    }
  };
  w.__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
    isDisabled: false,
    supportsFiber: true,
    renderers: new Map(),
    inject: () => 1,
    onCommitFiberRoot: (_id: number, root: { current: Fiber }) => visit(root.current.child, root.current),
    onCommitFiberUnmount: () => {},
    onPostCommitFiberRoot: () => {},
    checkDCE: () => {},
  };
}

export const tileRenders = (page: Page) => page.evaluate(() => (window as unknown as { __tileRenders: number }).__tileRenders);
