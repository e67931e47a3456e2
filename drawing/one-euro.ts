/**
 * One Euro filter (Casiez, Roussel, Vogel, CHI 2012): a low-pass filter whose cutoff rises with
 * speed, so a still pointer does not jitter and a fast one does not lag. Written as pure
 * functions over plain state, so the state can live in a machine context.
 *
 * Tuning: jitter at rest → lower minCutoff; lag when moving fast → raise beta. Values are in
 * the units of the input (here normalized frame coordinates), time in milliseconds.
 */

export interface OneEuroParams {
  /** Hz. Cutoff at zero speed. */
  minCutoff: number;
  /** How much speed (units per second) raises the cutoff. */
  beta: number;
  /** Hz. Cutoff of the speed estimate. */
  dCutoff: number;
}

/** Tuned for a pointer in normalized frame coordinates at 20-60 Hz tracking. */
export const POINTER_FILTER: OneEuroParams = { minCutoff: 1, beta: 10, dCutoff: 1 };

export interface OneEuroState {
  value: number;
  /** Smoothed derivative, units per second. */
  speed: number;
  timeMs: number;
}

function alpha(cutoffHz: number, dtSeconds: number): number {
  const r = 2 * Math.PI * cutoffHz * dtSeconds;
  return r / (r + 1);
}

/** One filter step. `state` null (first sample, or after reset) passes the value through. */
export function oneEuro(state: OneEuroState | null, value: number, timeMs: number, params: OneEuroParams = POINTER_FILTER): OneEuroState {
  if (!state) return { value, speed: 0, timeMs };
  const dt = (timeMs - state.timeMs) / 1000;
  if (!(dt > 0)) return { ...state, value: state.value }; // same or older timestamp: keep output
  const rawSpeed = (value - state.value) / dt;
  const speed = state.speed + alpha(params.dCutoff, dt) * (rawSpeed - state.speed);
  const cutoff = params.minCutoff + params.beta * Math.abs(speed);
  const filtered = state.value + alpha(cutoff, dt) * (value - state.value);
  return { value: filtered, speed, timeMs };
}

export interface PointFilterState {
  x: OneEuroState;
  y: OneEuroState;
}

/** Filters a 2D point; each axis is filtered independently. */
export function oneEuroPoint(
  state: PointFilterState | null,
  point: { x: number; y: number },
  timeMs: number,
  params: OneEuroParams = POINTER_FILTER,
): PointFilterState {
  return {
    x: oneEuro(state?.x ?? null, point.x, timeMs, params),
    y: oneEuro(state?.y ?? null, point.y, timeMs, params),
  };
}

export function filteredPoint(state: PointFilterState): { x: number; y: number } {
  return { x: state.x.value, y: state.y.value };
}
