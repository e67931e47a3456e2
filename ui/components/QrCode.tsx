import { useMemo } from "react";
import * as QRCode from "qrcode";

/** A QR code (a call link, a connection code) drawn as SVG, computed here: nothing is fetched. */
export function QrCode({ text, label }: { text: string; label: string }) {
  const qr = useMemo(() => {
    try {
      return QRCode.create(text, { errorCorrectionLevel: "L" });
    } catch {
      return null; // longer than any QR code can hold
    }
  }, [text]);
  if (!qr) return <p className="hint">This code is too long for a QR code: copy or share it instead.</p>;
  const { size, data } = qr.modules;
  const quiet = 4;
  let path = "";
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) if (data[row * size + col]) path += `M${col + quiet} ${row + quiet}h1v1h-1z`;
  }
  const side = size + 2 * quiet;
  return (
    <svg className="serverless-qr" role="img" aria-label={label} viewBox={`0 0 ${side} ${side}`} shapeRendering="crispEdges">
      <rect width={side} height={side} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}
