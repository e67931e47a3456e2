/**
 * RNNoise (from @jitsi/rnnoise-wasm 0.2.1, dist/rnnoise.wasm) without its emscripten glue: the
 * wasm needs only two imports (memcpy and heap growth), so it is instantiated directly, which works
 * the same in an AudioWorklet (no fetch there) and in Bun tests. RNNoise takes 480-sample frames
 * (10 ms at 48 kHz) scaled to 16-bit range; WebAudio hands 128-sample blocks in [-1, 1], so
 * `Denoiser.push` keeps a frame's worth of input and hands out processed audio one frame late
 * (10 ms of added delay).
 */
export const FRAME = 480;
export const SAMPLE_RATE = 48_000;

interface Exports {
  c: WebAssembly.Memory;
  d: () => void;
  e: (state: number, model: number) => number;
  f: (model: number) => number;
  g: (bytes: number) => number;
  h: (state: number) => void;
  i: (ptr: number) => void;
  j: (state: number, out: number, input: number) => number;
}

export class Denoiser {
  private readonly x: Exports;
  private readonly state: number;
  private readonly inPtr: number;
  private readonly outPtr: number;
  private readonly pending = new Float32Array(FRAME);
  private readonly ready = new Float32Array(FRAME);
  private filled = 0;
  /** Voice probability of the last frame, 0..1. */
  vad = 0;

  constructor(module: WebAssembly.Module) {
    let x: Exports | null = null;
    const memory = () => (x as Exports).c;
    const instance = new WebAssembly.Instance(module, {
      a: {
        // _emscripten_resize_heap(requestedSize)
        a: (requested: number) => {
          const m = memory();
          const need = (requested >>> 0) - m.buffer.byteLength;
          if (need <= 0) return 1;
          try {
            m.grow(Math.ceil(need / 65536));
            return 1;
          } catch {
            return 0;
          }
        },
        // _emscripten_memcpy_big(dest, src, num)
        b: (dest: number, src: number, num: number) => {
          const heap = new Uint8Array(memory().buffer);
          heap.copyWithin(dest, src, src + num);
        },
      },
    });
    x = instance.exports as unknown as Exports;
    this.x = x;
    x.d();
    this.state = x.f(0);
    this.inPtr = x.g(FRAME * 4);
    this.outPtr = x.g(FRAME * 4);
    if (!this.state || !this.inPtr || !this.outPtr) throw new Error("rnnoise: out of memory");
  }

  /** Denoises one whole 480-sample frame in place (samples in [-1, 1]); returns the voice probability. */
  processFrame(frame: Float32Array) {
    const heap = new Float32Array(this.x.c.buffer);
    const i = this.inPtr >> 2;
    for (let k = 0; k < FRAME; k++) heap[i + k] = (frame[k] as number) * 32768;
    this.vad = this.x.j(this.state, this.outPtr, this.inPtr);
    const after = new Float32Array(this.x.c.buffer);
    const o = this.outPtr >> 2;
    for (let k = 0; k < FRAME; k++) frame[k] = (after[o + k] as number) / 32768;
    return this.vad;
  }

  /**
   * Streams any block size: `input` goes in, the same number of samples come out in `output`,
   * delayed by one frame. Safe for input === output.
   */
  push(input: Float32Array, output: Float32Array) {
    for (let k = 0; k < input.length; k++) {
      const sample = input[k] as number;
      output[k] = this.ready[this.filled] as number;
      this.pending[this.filled] = sample;
      this.filled++;
      if (this.filled === FRAME) {
        this.processFrame(this.pending);
        this.ready.set(this.pending);
        this.filled = 0;
      }
    }
  }

  destroy() {
    this.x.i(this.inPtr);
    this.x.i(this.outPtr);
    this.x.h(this.state);
  }
}
