/**
 * AudioWorklet: the microphone through RNNoise (machines/media/rnnoise.ts). The compiled wasm
 * module comes in processorOptions (compiled on the main thread: a worklet cannot fetch), so no
 * script is evaluated from a string. Mono: the first input channel is denoised and written to
 * every output channel. A message "bypass" true/false passes audio through untouched.
 */
import { Denoiser } from "../machines/media/rnnoise.ts";

declare const registerProcessor: (name: string, ctor: unknown) => void;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}

class DenoiseProcessor extends AudioWorkletProcessor {
  private readonly denoiser: Denoiser;
  private bypass = false;
  constructor(options: { processorOptions: { module: WebAssembly.Module } }) {
    super();
    this.denoiser = new Denoiser(options.processorOptions.module);
    this.port.onmessage = (e: MessageEvent) => {
      if (e.data && typeof e.data === "object" && typeof e.data.bypass === "boolean") this.bypass = e.data.bypass;
    };
  }
  process(inputs: Float32Array[][], outputs: Float32Array[][]) {
    const input = inputs[0]?.[0];
    const output = outputs[0];
    if (!output || output.length === 0) return true;
    const first = output[0] as Float32Array;
    if (!input) first.fill(0);
    else if (this.bypass) first.set(input);
    else this.denoiser.push(input, first);
    for (let c = 1; c < output.length; c++) (output[c] as Float32Array).set(first);
    return true;
  }
}

registerProcessor("onelink-denoise", DenoiseProcessor);
