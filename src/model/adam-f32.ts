const f = Math.fround;

/**
 * Adam as tfjs's AdamOptimizer (tfjs-core 4.x, `applyGradients`) computes
 * it on a float32 backend, one float32 operation at a time in the same
 * order: the moments, the bias corrections by 1 - beta^t, the step
 * m^ / (sqrt(v^) + epsilon) times -lr added to the weight, then beta^t.
 * Each JS double operation on float32 inputs, rounded by Math.fround, gives
 * the correctly rounded float32 result (+, -, *, / and sqrt: double has
 * more than 2 * 24 + 2 bits), so the weights are the ones the tfjs kernels
 * would write, bit for bit, without one tensor per operation and variable.
 */
export class AdamF32 {
  private readonly lr: number;
  private readonly b1: number;
  private readonly b2: number;
  private readonly c1: number;
  private readonly c2: number;
  private readonly eps: number;
  private accB1: number;
  private accB2: number;
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];

  /** `epsilon`: tfjs takes its backend's, 1e-7 on a float32 backend. */
  constructor(sizes: readonly number[], learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7) {
    this.lr = f(-learningRate);
    this.b1 = f(beta1);
    this.b2 = f(beta2);
    // tfjs passes `1 - beta` as a JS number, rounded to float32 as a scalar tensor.
    this.c1 = f(1 - beta1);
    this.c2 = f(1 - beta2);
    this.eps = f(epsilon);
    this.accB1 = this.b1;
    this.accB2 = this.b2;
    this.m = sizes.map((n) => new Float32Array(n));
    this.v = sizes.map((n) => new Float32Array(n));
  }

  /** One step: `params[i]` moves by `grads[i]` in place. */
  step(params: readonly Float32Array[], grads: readonly Float32Array[]): void {
    const { b1, b2, c1, c2, eps, lr } = this;
    const oneMinusAcc1 = f(1 - this.accB1);
    const oneMinusAcc2 = f(1 - this.accB2);
    for (let k = 0; k < params.length; k++) {
      const w = params[k]!;
      const g = grads[k]!;
      const m = this.m[k]!;
      const v = this.v[k]!;
      for (let i = 0; i < w.length; i++) {
        const gi = g[i]!;
        const mi = f(f(m[i]! * b1) + f(gi * c1));
        const vi = f(f(v[i]! * b2) + f(f(gi * gi) * c2));
        m[i] = mi;
        v[i] = vi;
        const mHat = f(mi / oneMinusAcc1);
        const vHat = f(vi / oneMinusAcc2);
        w[i] = f(f(f(mHat / f(f(Math.sqrt(vHat)) + eps)) * lr) + w[i]!);
      }
    }
    this.accB1 = f(this.accB1 * b1);
    this.accB2 = f(this.accB2 * b2);
  }
}
