/**
 * Linear-kernel (dot product) matrices for one-vs-one training. Every pair (i, j) needs the dot
 * products among classes i and j; each class's own block is computed once and reused by its k−1
 * pairs, so all pairs together cost about one n×n Gram matrix, while memory stays at one pair's.
 */

/**
 * Dot products of every row of `a` (na×dim) with every row of `b` (nb×dim), na×nb row-major, in
 * double precision. Each is a plain left-to-right sum (libsvm's dense `dot`); four columns are
 * summed side by side for speed without changing any sum's order.
 */
function block(a: Float64Array, na: number, b: Float64Array, nb: number, dim: number) {
  const out = new Float64Array(na * nb);
  for (let r = 0; r < na; r++) {
    const oa = r * dim;
    let c = 0;
    for (; c + 4 <= nb; c += 4) {
      const o0 = c * dim;
      const o1 = o0 + dim;
      const o2 = o1 + dim;
      const o3 = o2 + dim;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let d = 0; d < dim; d++) {
        const x = a[oa + d];
        s0 += x * b[o0 + d];
        s1 += x * b[o1 + d];
        s2 += x * b[o2 + d];
        s3 += x * b[o3 + d];
      }
      const o = r * nb + c;
      out[o] = s0;
      out[o + 1] = s1;
      out[o + 2] = s2;
      out[o + 3] = s3;
    }
    for (; c < nb; c++) {
      const ob = c * dim;
      let sum = 0;
      for (let d = 0; d < dim; d++) sum += a[oa + d] * b[ob + d];
      out[r * nb + c] = sum;
    }
  }
  return out;
}

/** Kernel matrices of class pairs, from vectors grouped by class. */
export class ClassKernels {
  private readonly x: Float64Array[];
  private readonly sizes: number[];
  private readonly own: Float64Array[];

  /**
   * @param members For each class, the indices of its vectors in `vectors`, in training order.
   * @example
   * const kernels = new ClassKernels(vectors, [[0, 2], [1, 3]], 128);
   * const gram = kernels.pair(0, 1); // 4×4: vectors 0, 2, 1, 3
   */
  constructor(vectors: Float32Array[], members: number[][], private readonly dim: number) {
    this.sizes = members.map((m) => m.length);
    this.x = members.map((m) => {
      const flat = new Float64Array(m.length * dim);
      m.forEach((n, k) => flat.set(vectors[n], k * dim));
      return flat;
    });
    this.own = this.x.map((x, c) => block(x, this.sizes[c], x, this.sizes[c], dim));
  }

  /** The l×l kernel matrix (row-major) of class i's vectors followed by class j's. */
  pair(i: number, j: number): Float64Array {
    const ni = this.sizes[i];
    const nj = this.sizes[j];
    const l = ni + nj;
    const gram = new Float64Array(l * l);
    const cross = block(this.x[i], ni, this.x[j], nj, this.dim);
    for (let r = 0; r < ni; r++) {
      gram.set(this.own[i].subarray(r * ni, (r + 1) * ni), r * l);
      gram.set(cross.subarray(r * nj, (r + 1) * nj), r * l + ni);
    }
    for (let r = 0; r < nj; r++) {
      for (let c = 0; c < ni; c++) gram[(ni + r) * l + c] = cross[c * nj + r];
      gram.set(this.own[j].subarray(r * nj, (r + 1) * nj), (ni + r) * l + ni);
    }
    return gram;
  }
}
