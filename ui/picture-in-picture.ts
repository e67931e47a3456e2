/**
 * Picture in picture of the remote video, where the browser offers it: the other person stays in
 * a small floating window while you use other apps or tabs.
 */
import { useEffect, useState, type RefObject } from "react";

export const pipSupported = () => typeof document !== "undefined" && document.pictureInPictureEnabled === true;

/** Whether the remote video (".remote-video" in `stage`) is in picture in picture, and a toggle. */
export function usePictureInPicture(stage: RefObject<HTMLElement | null>) {
  const [active, setActive] = useState(false);
  useEffect(() => {
    if (!pipSupported()) return;
    // Both events bubble from the video; the window may also be closed from its own button.
    const update = () => setActive(document.pictureInPictureElement !== null);
    update();
    document.addEventListener("enterpictureinpicture", update, true);
    document.addEventListener("leavepictureinpicture", update, true);
    return () => {
      document.removeEventListener("enterpictureinpicture", update, true);
      document.removeEventListener("leavepictureinpicture", update, true);
    };
  }, []);
  const toggle = () => {
    if (document.pictureInPictureElement) {
      document
        .exitPictureInPicture()
        .then(() => setActive(document.pictureInPictureElement !== null))
        .catch((err) => console.warn("could not leave picture in picture", err));
      return;
    }
    const video = stage.current?.querySelector<HTMLVideoElement>("video.remote-video");
    video
      ?.requestPictureInPicture()
      .then(() => setActive(document.pictureInPictureElement !== null))
      .catch((err) => console.warn("picture in picture refused", err));
  };
  return { active, toggle };
}
