/**
 * Share links as QR codes, drawn in the browser (npm `qrcode`, on a canvas: nothing inline for the
 * Content-Security-Policy to allow), and scanning one with the camera where the browser has
 * BarcodeDetector (Chrome on Android, for instance); elsewhere the scan button is not shown.
 */
import QRCode from "qrcode";

/** Draws `text` as a QR code on a new canvas. */
export async function qrCanvas(text: string, label: string): Promise<HTMLCanvasElement> {
  const canvas = document.createElement("canvas");
  await QRCode.toCanvas(canvas, text, { errorCorrectionLevel: "M", margin: 2, width: 240 });
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", label);
  return canvas;
}

interface DetectedBarcode {
  rawValue: string;
}
interface BarcodeDetectorLike {
  detect(source: HTMLVideoElement): Promise<DetectedBarcode[]>;
}
type BarcodeDetectorConstructor = new (options: { formats: string[] }) => BarcodeDetectorLike;

function detectorClass(): BarcodeDetectorConstructor | undefined {
  return (globalThis as { BarcodeDetector?: BarcodeDetectorConstructor }).BarcodeDetector;
}

/** Whether this browser can scan QR codes (BarcodeDetector and a camera API). */
export function canScan(): boolean {
  return detectorClass() !== undefined && typeof navigator.mediaDevices?.getUserMedia === "function";
}

/**
 * Scans the camera until a QR code is read or `signal` aborts; shows the video in `video`.
 * @returns the QR code's text, or undefined when aborted.
 */
export async function scanQr(video: HTMLVideoElement, signal: AbortSignal): Promise<string | undefined> {
  const Detector = detectorClass();
  if (!Detector) throw new Error("BarcodeDetector is not available");
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  try {
    video.srcObject = stream;
    await video.play();
    const detector = new Detector({ formats: ["qr_code"] });
    while (!signal.aborted) {
      const [code] = await detector.detect(video).catch(() => []);
      if (code) return code.rawValue;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return undefined;
  } finally {
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  }
}
