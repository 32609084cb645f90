/**
 * The random numbers scikit-learn's libsvm draws: a 32-bit Mersenne Twister (C++ `std::mt19937`)
 * and its "tweaked Lemire" bounded integer (sklearn/svm/src/newrand/newrand.h). Seeded with the
 * same number, the cross-validation shuffle of the Platt fits is the one scikit-learn makes.
 */

const N = 624;
const M = 397;

/** A 32-bit Mersenne Twister, bit-identical to C++ `std::mt19937`. */
export class Mt19937 {
  private readonly state = new Uint32Array(N);
  private index = N;

  /**
   * @example
   * const rng = new Mt19937(5489); // std::mt19937's default seed
   * rng.nextUint32(); // 3499211612
   */
  constructor(seed: number) {
    this.seed(seed);
  }

  /** Restarts the sequence from `seed` (an unsigned 32-bit integer), like `mt19937::seed`. */
  seed(seed: number): void {
    const mt = this.state;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.index = N;
  }

  /** The next unsigned 32-bit output. */
  nextUint32(): number {
    if (this.index >= N) this.twist();
    let y = this.state[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  private twist(): void {
    const mt = this.state;
    for (let i = 0; i < N; i++) {
      const y = (mt[i] & 0x80000000) | (mt[(i + 1) % N] & 0x7fffffff);
      let v = mt[(i + M) % N] ^ (y >>> 1);
      if (y & 1) v ^= 0x9908b0df;
      mt[i] = v >>> 0;
    }
    this.index = 0;
  }
}

/** High 32 bits of the 64-bit product of two unsigned 32-bit integers, exactly. */
function mulHigh32(x: number, range: number): number {
  const a = (x >>> 16) * range; // < 2^48: exact
  const b = (x & 0xffff) * range; // < 2^48: exact
  return Math.floor(a / 65536) + Math.floor(((a % 65536) * 65536 + b) / 4294967296);
}

/**
 * A uniform integer in `[0, range)` drawn as scikit-learn's `bounded_rand_int` does (Lemire's
 * multiply-shift with rejection), consuming the same outputs of `rng`.
 *
 * @example
 * const j = i + boundedRandInt(rng, n - i); // one step of libsvm's Fisher-Yates shuffle
 */
export function boundedRandInt(rng: Mt19937, range: number): number {
  let x = rng.nextUint32();
  let low = Math.imul(x, range) >>> 0;
  if (low < range) {
    let t = (4294967296 - range) >>> 0;
    if (t >= range) {
      t -= range;
      if (t >= range) t %= range;
    }
    while (low < t) {
      x = rng.nextUint32();
      low = Math.imul(x, range) >>> 0;
    }
  }
  return mulHigh32(x, range);
}
