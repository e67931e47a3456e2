import type { CSSProperties, ReactNode } from "react";
import { hueOf, initials } from "../avatar.ts";
import { Icon } from "./Icon.tsx";

/**
 * A tile without a picture: the person's initials (a person icon without a name) in a circle, and
 * a muted microphone badge (decorative: the tile's labels say the same in words), then `children`
 * (a label) under the circle, so the two never overlap.
 */
export function Avatar({ name, colourKey, micOff, children }: { name: string | null; colourKey: string; micOff: boolean; children?: ReactNode }) {
  const text = initials(name);
  return (
    <div className="avatar" style={{ "--avatar-hue": hueOf(colourKey) } as CSSProperties}>
      <span className="avatar-circle" aria-hidden="true">
        {text ?? <Icon name="person" />}
        {micOff && (
          <span className="avatar-mic">
            <Icon name="micOff" />
          </span>
        )}
      </span>
      {children}
    </div>
  );
}
