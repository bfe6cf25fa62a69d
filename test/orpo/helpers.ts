/** The shared test helpers, with a tighter default tolerance for the float64 ORPO checks. */
import { assertClose as close, assertAllClose as allClose } from '../helpers.js';

export { mean, softplus, softmax, simpson } from '../helpers.js';

export function assertClose(actual: number, expected: number, atol = 1e-9, rtol = 0, what = 'value'): void {
  close(actual, expected, atol, rtol, what);
}

export function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-9, rtol = 0, what = 'array'): void {
  allClose(actual, expected, atol, rtol, what);
}
