/**
 * Checks the .task bundles scripts/build-models.ts wrote to build/public/models (run
 * `bun scripts/build.ts` first): a stored zip with 64-byte aligned entries, each a TFLite model
 * that is the npm package's original bytes behind a new root carrying TFLITE_METADATA whose
 * input NormalizationOptions are mean 0, std 255. Read back with the flatbuffers library's own
 * ByteBuffer, independently of the writer.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ByteBuffer } from "flatbuffers";
import { extractPacked } from "../../scripts/build-models.ts";

const ROOT = resolve(import.meta.dir, "../..");
const MODELS = join(ROOT, "build/public/models");
const HANDS = join(ROOT, "node_modules/@mediapipe/hands");

interface Entry {
  name: string;
  method: number;
  crc: number;
  data: Uint8Array;
  dataOffset: number;
}

/** Minimal zip reader: end record → central directory → local headers. */
function readZip(zip: Uint8Array): Entry[] {
  const v = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const eocd = zip.length - 22;
  expect(v.getUint32(eocd, true)).toBe(0x06054b50);
  const count = v.getUint16(eocd + 10, true);
  let at = v.getUint32(eocd + 16, true);
  const entries: Entry[] = [];
  for (let i = 0; i < count; i++) {
    expect(v.getUint32(at, true)).toBe(0x02014b50);
    const method = v.getUint16(at + 10, true);
    const crc = v.getUint32(at + 16, true);
    const size = v.getUint32(at + 20, true);
    const nameLen = v.getUint16(at + 28, true);
    const local = v.getUint32(at + 42, true);
    const name = new TextDecoder().decode(zip.subarray(at + 46, at + 46 + nameLen));
    const dataOffset = local + 30 + v.getUint16(local + 26, true) + v.getUint16(local + 28, true);
    entries.push({ name, method, crc, dataOffset, data: zip.subarray(dataOffset, dataOffset + size) });
    at += 46 + nameLen + v.getUint16(at + 30, true) + v.getUint16(at + 32, true);
  }
  return entries;
}

/** Table at `table`, field `slot` → position of the referenced table (or vector), via ByteBuffer. */
function ref(bb: ByteBuffer, table: number, slot: number): number {
  const off = bb.__offset(table, 4 + 2 * slot);
  expect(off).not.toBe(0);
  return bb.__indirect(table + off);
}

function firstOfVector(bb: ByteBuffer, table: number, slot: number): number {
  const off = bb.__offset(table, 4 + 2 * slot);
  expect(bb.__vector_len(table + off)).toBeGreaterThan(0);
  return bb.__indirect(bb.__vector(table + off));
}

/** Model.metadata (slot 6) → entry named TFLITE_METADATA → Model.buffers (slot 4)[i].data. */
function readModelMetadata(model: Uint8Array): Uint8Array | null {
  const bb = new ByteBuffer(model);
  const root = bb.readInt32(0);
  const metaField = bb.__offset(root, 4 + 2 * 6);
  if (!metaField) return null;
  const metas = bb.__vector(root + metaField);
  for (let i = 0; i < bb.__vector_len(root + metaField); i++) {
    const entry = bb.__indirect(metas + 4 * i);
    if (bb.__string(entry + bb.__offset(entry, 4)) !== "TFLITE_METADATA") continue;
    const index = bb.readUint32(entry + bb.__offset(entry, 6));
    const buffersField = root + bb.__offset(root, 4 + 2 * 4);
    const buffer = bb.__indirect(bb.__vector(buffersField) + 4 * index);
    const data = buffer + bb.__offset(buffer, 4);
    return model.subarray(bb.__vector(data), bb.__vector(data) + bb.__vector_len(data));
  }
  return null;
}

function normalization(metadata: Uint8Array): { mean: number; std: number; unionType: number } {
  const bb = new ByteBuffer(metadata);
  expect(bb.getBufferIdentifier()).toBe("M001");
  const model = bb.readInt32(0);
  const subgraph = firstOfVector(bb, model, 3);
  const tensor = firstOfVector(bb, subgraph, 2);
  const unit = firstOfVector(bb, tensor, 4);
  const unionType = bb.readUint8(unit + bb.__offset(unit, 4));
  const options = ref(bb, unit, 1);
  const mean = bb.__vector(options + bb.__offset(options, 4));
  const std = bb.__vector(options + bb.__offset(options, 6));
  return { mean: bb.readFloat32(mean), std: bb.readFloat32(std), unionType };
}

const ORIGINALS = {
  lite: {
    detector: () =>
      extractPacked(join(HANDS, "hands_solution_packed_assets_loader.js"), join(HANDS, "hands_solution_packed_assets.data"), "palm_detection_lite.tflite"),
    landmarks: () => readFileSync(join(HANDS, "hand_landmark_lite.tflite")),
  },
  full: {
    detector: () =>
      extractPacked(join(HANDS, "hands_solution_packed_assets_loader.js"), join(HANDS, "hands_solution_packed_assets.data"), "palm_detection_full.tflite"),
    landmarks: () => readFileSync(join(HANDS, "hand_landmark_full.tflite")),
  },
};

describe.each(["lite", "full"] as const)("hand_landmarker_%s.task", (variant) => {
  const path = join(MODELS, `hand_landmarker_${variant}.task`);

  test("is a stored zip of the two models, CRCs right, data 64-byte aligned", () => {
    expect(existsSync(path)).toBe(true);
    const entries = readZip(new Uint8Array(readFileSync(path)));
    expect(entries.map((e) => e.name)).toEqual(["hand_detector.tflite", "hand_landmarks_detector.tflite"]);
    for (const e of entries) {
      expect(e.method).toBe(0);
      expect(e.dataOffset % 64).toBe(0);
      expect(Bun.hash.crc32(e.data)).toBe(e.crc);
    }
  });

  test("each model is the package's original bytes plus metadata: mean 0, std 255", async () => {
    const entries = readZip(new Uint8Array(readFileSync(path)));
    const originals = [await ORIGINALS[variant].detector(), new Uint8Array(ORIGINALS[variant].landmarks())];
    entries.forEach((entry, i) => {
      const original = originals[i]!;
      expect(new TextDecoder().decode(original.subarray(4, 8))).toBe("TFL3");
      expect(new TextDecoder().decode(entry.data.subarray(4, 8))).toBe("TFL3");
      const prefix = entry.data.length - original.length;
      expect(prefix % 64).toBe(0);
      expect(Bun.hash.crc32(entry.data.subarray(prefix))).toBe(Bun.hash.crc32(original));
      const metadata = readModelMetadata(entry.data);
      expect(metadata).not.toBeNull();
      expect(normalization(metadata!)).toEqual({ mean: 0, std: 255, unionType: 1 });
      expect(readModelMetadata(original)).toBeNull();
    });
  });
});

test("the palm models come from the packed data at the loader's offsets", async () => {
  const table = /loadPackage\((\{"files".*?\})\);/s.exec(readFileSync(join(HANDS, "hands_solution_packed_assets_loader.js"), "utf8"));
  expect(table).not.toBeNull();
  const lite = await ORIGINALS.lite.detector();
  const full = await ORIGINALS.full.detector();
  expect(lite.length).toBeGreaterThan(1_000_000);
  expect(full.length).toBeGreaterThan(lite.length);
  await expect(
    extractPacked(join(HANDS, "hands_solution_packed_assets_loader.js"), join(HANDS, "hands_solution_packed_assets.data"), "nope.tflite"),
  ).rejects.toThrow(/not listed/);
});
