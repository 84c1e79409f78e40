// QR images of a scan payload: a PNG data URI for <img> and an SVG for print.
import QRCode from 'qrcode';

export interface QrImages { png: string; svg: string }

// Level M: the payload is short (~70 characters), and a less dense code scans better off a screen.
const OPTIONS = { errorCorrectionLevel: 'M' as const, margin: 2 };

export async function qrImages(payload: string): Promise<QrImages> {
  const [png, svg] = await Promise.all([
    QRCode.toDataURL(payload, { ...OPTIONS, type: 'image/png', width: 420 }),
    QRCode.toString(payload, { ...OPTIONS, type: 'svg' }),
  ]);
  return { png, svg };
}
