/**
 * Build step: hand-landmarker model bundles and the tasks-vision wasm, from npm packages only.
 *
 * Weights come from @mediapipe/hands (never the network):
 *   - hand_landmark_{lite,full}.tflite are plain files in the package;
 *   - palm_detection_{lite,full}.tflite sit inside hands_solution_packed_assets.data at the byte
 *     ranges listed in hands_solution_packed_assets_loader.js (parsed from that JS here).
 * tasks-vision refuses float models without input NormalizationOptions metadata, so each model
 * gets TFLite model metadata (mean 0, std 255: pixels to [0,1], what these models were trained
 * on) before hand_detector.tflite + hand_landmarks_detector.tflite are zipped (stored, data
 * 64-byte aligned because MediaPipe reads the models in place) into models/hand_landmarker_*.task.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { Builder } from "flatbuffers";

const NODE_MODULES = join(import.meta.dir, "..", "node_modules");
const HANDS_DIR = join(NODE_MODULES, "@mediapipe", "hands");
const WASM_DIR = join(NODE_MODULES, "@mediapipe", "tasks-vision", "wasm");
const VARIANTS = ["lite", "full"] as const;
/** Offsets in a TFLite file that MediaPipe uses in place must keep their alignment. */
const ALIGN = 64;

export async function build(publicDir: string): Promise<void> {
  const modelsDir = join(publicDir, "models");
  const wasmOut = join(publicDir, "mediapipe", "wasm");
  const packedData = join(HANDS_DIR, "hands_solution_packed_assets.data");
  const loaderJs = join(HANDS_DIR, "hands_solution_packed_assets_loader.js");
  const landmarkFile = (v: string): string => join(HANDS_DIR, `hand_landmark_${v}.tflite`);
  const taskFile = (v: string): string => join(modelsDir, `hand_landmarker_${v}.task`);
  const wasmFiles = readdirSync(WASM_DIR);
  const outputs = [...VARIANTS.map(taskFile), ...wasmFiles.map((f) => join(wasmOut, f))];
  const inputs = [packedData, loaderJs, ...VARIANTS.map(landmarkFile), ...wasmFiles.map((f) => join(WASM_DIR, f))];
  // npm may give package files old fixed mtimes: key on versions, sizes, mtimes and this script.
  const key = JSON.stringify({
    packages: ["hands", "tasks-vision"].map((p) => readJson(join(NODE_MODULES, "@mediapipe", p, "package.json")).version),
    inputs: inputs.map((f) => [f, statSync(f).size, statSync(f).mtimeMs]),
    script: Bun.hash(readFileSync(import.meta.path)).toString(),
  });
  const stampFile = join(dirname(publicDir), "stamps", "build-models.json");
  if (outputs.every((f) => existsSync(f)) && existsSync(stampFile) && readFileSync(stampFile, "utf8") === key) return;

  mkdirSync(modelsDir, { recursive: true });
  mkdirSync(wasmOut, { recursive: true });
  mkdirSync(dirname(stampFile), { recursive: true });
  for (const variant of VARIANTS) {
    const palm = await extractPacked(loaderJs, packedData, `palm_detection_${variant}.tflite`);
    const landmark = new Uint8Array(readFileSync(landmarkFile(variant)));
    const task = storedZip([
      { name: "hand_detector.tflite", data: withImageNormalization(checkTflite(palm, "palm"), `palm_detection_${variant}`) },
      { name: "hand_landmarks_detector.tflite", data: withImageNormalization(checkTflite(landmark, "landmark"), `hand_landmark_${variant}`) },
    ]);
    writeAtomically(taskFile(variant), task);
  }
  for (const file of wasmFiles) copyFileSync(join(WASM_DIR, file), join(wasmOut, file));
  writeFileSync(stampFile, key);
}

function readJson(path: string): { version: string } {
  return JSON.parse(readFileSync(path, "utf8")) as { version: string };
}

function writeAtomically(path: string, data: Uint8Array): void {
  writeFileSync(`${path}.tmp`, data);
  renameSync(`${path}.tmp`, path);
}

/** Reads one file out of the Emscripten packed-assets bundle, using the loader's file table. */
export async function extractPacked(loaderJs: string, packedData: string, fileName: string): Promise<Uint8Array> {
  const js = await Bun.file(loaderJs).text();
  const match = /loadPackage\((\{"files":.*?\})\);/s.exec(js);
  if (!match?.[1]) throw new Error(`build-models: no loadPackage({...}) table in ${loaderJs}`);
  const table = JSON.parse(match[1]) as { files: { filename: string; start: number; end: number }[]; remote_package_size: number };
  const data = new Uint8Array(await Bun.file(packedData).arrayBuffer());
  if (data.length !== table.remote_package_size) {
    throw new Error(`build-models: ${packedData} is ${data.length} bytes, loader expects ${table.remote_package_size}`);
  }
  const entry = table.files.find((f) => basename(f.filename) === fileName);
  if (!entry) throw new Error(`build-models: ${fileName} not listed in ${loaderJs}`);
  return data.slice(entry.start, entry.end);
}

function checkTflite(model: Uint8Array, what: string): Uint8Array {
  const magic = new TextDecoder().decode(model.subarray(4, 8));
  if (magic !== "TFL3") throw new Error(`build-models: ${what} model has no TFL3 identifier (got ${JSON.stringify(magic)})`);
  return model;
}

// ---------------------------------------------------------------------------------------------
// TFLite metadata (tflite-support metadata_schema.fbs, identifier "M001"). Field slots:
// ModelMetadata{name 0, description 1, version 2, subgraph_metadata 3, ..., min_parser_version 7}
// SubGraphMetadata{name 0, ..., input_tensor_metadata 2}; TensorMetadata{name 0, ..., content 3,
// process_units 4}; Content{content_properties_type 0, content_properties 1};
// ImageProperties{color_space 0}; ProcessUnit{options_type 0, options 1};
// NormalizationOptions{mean 0, std 1}. Union tags: ImageProperties = 2, NormalizationOptions = 1.

function offsetVector(b: Builder, offsets: number[]): number {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]!);
  return b.endVector();
}

function floatVector(b: Builder, values: number[]): number {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addFloat32(values[i]!);
  return b.endVector();
}

export function imageModelMetadata(modelName: string, mean: number, std: number): Uint8Array {
  const b = new Builder(512);
  const meanVec = floatVector(b, [mean]);
  const stdVec = floatVector(b, [std]);
  b.startObject(2);
  b.addFieldOffset(0, meanVec, 0);
  b.addFieldOffset(1, stdVec, 0);
  const normalization = b.endObject();
  b.startObject(2);
  b.addFieldInt8(0, 1, 0); // ProcessUnitOptions.NormalizationOptions
  b.addFieldOffset(1, normalization, 0);
  const processUnit = b.endObject();
  b.startObject(2);
  b.addFieldInt8(0, 1, 0); // ColorSpaceType.RGB
  const imageProps = b.endObject();
  b.startObject(3);
  b.addFieldInt8(0, 2, 0); // ContentProperties.ImageProperties
  b.addFieldOffset(1, imageProps, 0);
  const content = b.endObject();
  const processUnits = offsetVector(b, [processUnit]);
  const tensorName = b.createString("image");
  b.startObject(7);
  b.addFieldOffset(0, tensorName, 0);
  b.addFieldOffset(3, content, 0);
  b.addFieldOffset(4, processUnits, 0);
  const tensor = b.endObject();
  const inputs = offsetVector(b, [tensor]);
  b.startObject(7);
  b.addFieldOffset(2, inputs, 0);
  const subgraph = b.endObject();
  const subgraphs = offsetVector(b, [subgraph]);
  const name = b.createString(modelName);
  const description = b.createString("MediaPipe Hands model from @mediapipe/hands, input metadata added by OneLink");
  const minParser = b.createString("1.0.0");
  b.startObject(8);
  b.addFieldOffset(0, name, 0);
  b.addFieldOffset(1, description, 0);
  b.addFieldOffset(3, subgraphs, 0);
  b.addFieldOffset(7, minParser, 0);
  b.finish(b.endObject(), "M001");
  return b.asUint8Array().slice();
}

// ---------------------------------------------------------------------------------------------
// Adding the metadata to the model without a full TFLite schema: a new root Model table is
// built in front of the untouched old file. Flatbuffer offsets point forward, so the new table
// and its new vectors reach the old subtables with offsets into the appended old bytes (given
// to the Builder as negative positions: "this many bytes past the end of the prefix").
// Model{version 0, operator_codes 1, subgraphs 2, description 3, buffers 4, metadata_buffer 5,
// metadata 6, signature_defs 7}; Buffer{data 0, offset 1, size 2}; Metadata{name 0, buffer 1}.

class TableReader {
  readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  /** Absolute position of field `slot` of the table at `table`, or null when absent. */
  field(table: number, slot: number): number | null {
    const vtable = table - this.view.getInt32(table, true);
    const vtableSize = this.view.getUint16(vtable, true);
    const at = 4 + 2 * slot;
    if (at >= vtableSize) return null;
    const rel = this.view.getUint16(vtable + at, true);
    return rel === 0 ? null : table + rel;
  }
  numFields(table: number): number {
    const vtable = table - this.view.getInt32(table, true);
    return (this.view.getUint16(vtable, true) - 4) / 2;
  }
  deref(pos: number): number {
    return pos + this.view.getUint32(pos, true);
  }
  /** Absolute positions of the tables an offset-vector field points to. */
  tables(table: number, slot: number): number[] {
    const f = this.field(table, slot);
    if (f === null) return [];
    const vec = this.deref(f);
    const n = this.view.getUint32(vec, true);
    return Array.from({ length: n }, (_, i) => this.deref(vec + 4 + 4 * i));
  }
  string(pos: number): string {
    const len = this.view.getUint32(pos, true);
    return new TextDecoder().decode(this.bytes.subarray(pos + 4, pos + 4 + len));
  }
}

const METADATA_NAME = "TFLITE_METADATA";

export function withImageNormalization(model: Uint8Array, modelName: string, mean = 0, std = 255): Uint8Array {
  return addModelMetadata(model, imageModelMetadata(modelName, mean, std));
}

export function addModelMetadata(model: Uint8Array, metadata: Uint8Array): Uint8Array {
  const r = new TableReader(model);
  const root = r.deref(0);
  if (r.numFields(root) > 8) throw new Error("build-models: Model table has fields this script does not know");
  const oldBuffers = r.tables(root, 4);
  for (const buf of oldBuffers) {
    const off = r.field(buf, 1);
    if (off !== null && r.view.getBigUint64(off, true) > 1n) throw new Error("build-models: external buffers (>2 GB models) unsupported");
  }
  const oldMetadata = r.tables(root, 6).filter((m) => {
    const name = r.field(m, 0);
    return name === null || r.string(r.deref(name)) !== METADATA_NAME;
  });

  const b = new Builder(metadata.length + 1024);
  b.prep(ALIGN, 0); // the prefix length becomes a multiple of ALIGN: old alignments survive
  b.startVector(1, metadata.length, 16);
  for (let i = metadata.length - 1; i >= 0; i--) b.addInt8(metadata[i]!);
  const data = b.endVector();
  b.startObject(3);
  b.addFieldOffset(0, data, 0);
  const newBuffer = b.endObject();
  const buffers = offsetVector(b, [...oldBuffers.map((p) => -p), newBuffer]);
  const name = b.createString(METADATA_NAME);
  b.startObject(2);
  b.addFieldOffset(0, name, 0);
  b.addFieldInt32(1, oldBuffers.length, 0);
  const entry = b.endObject();
  const metadataVec = offsetVector(b, [...oldMetadata.map((p) => -p), entry]);
  b.startObject(8);
  const version = r.field(root, 0);
  if (version !== null) b.addFieldInt32(0, r.view.getUint32(version, true), 0);
  for (const slot of [1, 2, 3, 5, 7]) {
    const f = r.field(root, slot);
    if (f !== null) b.addFieldOffset(slot, -r.deref(f), 0);
  }
  b.addFieldOffset(4, buffers, 0);
  b.addFieldOffset(6, metadataVec, 0);
  b.finish(b.endObject(), "TFL3");
  const prefix = b.asUint8Array();
  if (prefix.length % ALIGN !== 0) throw new Error("build-models: metadata prefix lost alignment");
  const out = new Uint8Array(prefix.length + model.length);
  out.set(prefix, 0);
  out.set(model, prefix.length);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Minimal zip writer: stored entries, fixed timestamp (reproducible), data aligned to ALIGN via
// a zipalign-style extra field (id 0xD935).

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function storedZip(files: { name: string; data: Uint8Array }[]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const DOS_DATE = (1 << 5) | 1; // 1980-01-01
  for (const file of files) {
    const name = enc.encode(file.name);
    const crc = crc32(file.data);
    let pad = (ALIGN - ((offset + 30 + name.length) % ALIGN)) % ALIGN;
    if (pad > 0 && pad < 4) pad += ALIGN;
    const local = new Uint8Array(30 + name.length + pad);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 10, true); // version needed
    lv.setUint16(12, DOS_DATE, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, file.data.length, true);
    lv.setUint32(22, file.data.length, true);
    lv.setUint16(26, name.length, true);
    lv.setUint16(28, pad, true);
    local.set(name, 30);
    if (pad > 0) {
      lv.setUint16(30 + name.length, 0xd935, true);
      lv.setUint16(32 + name.length, pad - 4, true);
    }
    const cd = new Uint8Array(46 + name.length);
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true); // version made by
    cv.setUint16(6, 10, true);
    cv.setUint16(14, DOS_DATE, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, file.data.length, true);
    cv.setUint32(24, file.data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    cd.set(name, 46);
    parts.push(local, file.data);
    central.push(cd);
    offset += local.length + file.data.length;
  }
  const cdSize = central.reduce((n, c) => n + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, files.length, true);
  ev.setUint16(10, files.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const all = [...parts, ...central, end];
  const out = new Uint8Array(all.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of all) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
