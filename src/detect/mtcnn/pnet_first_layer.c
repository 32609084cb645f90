// P-Net's first layer on WebAssembly SIMD: 3x3 conv (3 -> 10 channels, unpadded), bias, PReLU,
// then 2x2 max pooling at stride 2 with TensorFlow's "same" padding (windows cut short at the
// bottom and right edges). tfjs-wasm runs this conv at a third of its usual speed (3 input
// channels per tap and 10 outputs fit its kernels badly); here the 10 channels are three 4-lane
// accumulators, each input value is broadcast once per tap, and the four conv outputs of a pooling
// window share each weight load.
//
// Build (committed output: pnet_first_layer.wasm): deno task wasm
//
// Memory: the caller asks `reserve` for room, writes the weights (`weights()`: 27 taps x 12 lanes,
// then 12 biases, then 12 PReLU slopes; lanes 10 and 11 zero) and the image
// (`input()`: height x width x 3 floats, row-major), calls `run(height, width)` and reads
// ceil((height-2)/2) x ceil((width-2)/2) x 10 floats at `output()`.
#include <wasm_simd128.h>

#define LANES 12
#define TAPS 27

extern unsigned char __heap_base;

static float *in_at;
static float *out_at;
static float params[TAPS * LANES + 2 * LANES];

// Grows memory so that `input_floats` then `output_floats` fit after the heap base; returns 0 on
// success, -1 when memory cannot grow.
int reserve(int input_floats, int output_floats) {
  unsigned long base = ((unsigned long)&__heap_base + 15) & ~15ul;
  unsigned long end = base + 4ul * (unsigned long)input_floats + 16 + 4ul * (unsigned long)output_floats;
  unsigned long have = __builtin_wasm_memory_size(0) * 65536ul;
  if (end > have) {
    unsigned long pages = (end - have + 65535) / 65536;
    if (__builtin_wasm_memory_grow(0, pages) == (unsigned long)-1) return -1;
  }
  in_at = (float *)base;
  out_at = (float *)(((base + 4ul * (unsigned long)input_floats) + 15) & ~15ul);
  return 0;
}

float *weights(void) { return params; }
float *input(void) { return in_at; }
float *output(void) { return out_at; }

static inline v128_t prelu(v128_t x, v128_t slope) {
  return wasm_v128_bitselect(x, wasm_f32x4_mul(x, slope), wasm_f32x4_gt(x, wasm_f32x4_splat(0)));
}

// One conv output (3 accumulators of 4 channels) at `p`, before the activation.
static inline void conv_one(const float *p, int stride, v128_t *r0, v128_t *r1, v128_t *r2) {
  const float *w = params;
  const float *bias = params + TAPS * LANES;
  v128_t a0 = wasm_v128_load(bias), a1 = wasm_v128_load(bias + 4), a2 = wasm_v128_load(bias + 8);
  for (int ky = 0; ky < 3; ky++) {
    const float *row = p + ky * stride;
    const float *wk = w + ky * 9 * LANES;
    for (int k = 0; k < 9; k++, wk += LANES) {
      const v128_t v = wasm_v128_load32_splat(row + k);
      a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(v, wasm_v128_load(wk)));
      a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(v, wasm_v128_load(wk + 4)));
      a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(v, wasm_v128_load(wk + 8)));
    }
  }
  *r0 = a0;
  *r1 = a1;
  *r2 = a2;
}

// A full 2x2 pooling window at `p` (its top-left conv input): the four conv outputs computed
// together, so each weight vector is loaded once per tap for all four.
static inline void pool_full(const float *p, int stride, v128_t s0, v128_t s1, v128_t s2,
                             float *o) {
  const float *w = params;
  const float *bias = params + TAPS * LANES;
  const v128_t b0 = wasm_v128_load(bias), b1 = wasm_v128_load(bias + 4), b2 = wasm_v128_load(bias + 8);
  v128_t a0 = b0, a1 = b1, a2 = b2;  // (dy, dx) = (0, 0)
  v128_t c0 = b0, c1 = b1, c2 = b2;  // (0, 1)
  v128_t d0 = b0, d1 = b1, d2 = b2;  // (1, 0)
  v128_t e0 = b0, e1 = b1, e2 = b2;  // (1, 1)
  for (int ky = 0; ky < 3; ky++) {
    const float *row = p + ky * stride;
    const float *wk = w + ky * 9 * LANES;
    for (int k = 0; k < 9; k++, wk += LANES) {
      const v128_t w0 = wasm_v128_load(wk), w1 = wasm_v128_load(wk + 4), w2 = wasm_v128_load(wk + 8);
      v128_t v = wasm_v128_load32_splat(row + k);
      a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(v, w0));
      a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(v, w1));
      a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(v, w2));
      v = wasm_v128_load32_splat(row + k + 3);
      c0 = wasm_f32x4_add(c0, wasm_f32x4_mul(v, w0));
      c1 = wasm_f32x4_add(c1, wasm_f32x4_mul(v, w1));
      c2 = wasm_f32x4_add(c2, wasm_f32x4_mul(v, w2));
      v = wasm_v128_load32_splat(row + stride + k);
      d0 = wasm_f32x4_add(d0, wasm_f32x4_mul(v, w0));
      d1 = wasm_f32x4_add(d1, wasm_f32x4_mul(v, w1));
      d2 = wasm_f32x4_add(d2, wasm_f32x4_mul(v, w2));
      v = wasm_v128_load32_splat(row + stride + k + 3);
      e0 = wasm_f32x4_add(e0, wasm_f32x4_mul(v, w0));
      e1 = wasm_f32x4_add(e1, wasm_f32x4_mul(v, w1));
      e2 = wasm_f32x4_add(e2, wasm_f32x4_mul(v, w2));
    }
  }
  const v128_t m0 = wasm_f32x4_max(wasm_f32x4_max(prelu(a0, s0), prelu(c0, s0)),
                                   wasm_f32x4_max(prelu(d0, s0), prelu(e0, s0)));
  const v128_t m1 = wasm_f32x4_max(wasm_f32x4_max(prelu(a1, s1), prelu(c1, s1)),
                                   wasm_f32x4_max(prelu(d1, s1), prelu(e1, s1)));
  const v128_t m2 = wasm_f32x4_max(wasm_f32x4_max(prelu(a2, s2), prelu(c2, s2)),
                                   wasm_f32x4_max(prelu(d2, s2), prelu(e2, s2)));
  wasm_v128_store(o, m0);
  wasm_v128_store(o + 4, m1);
  wasm_v128_store64_lane(o + 8, m2, 0);
}

void run(int height, int width) {
  const float *slope = params + (TAPS + 1) * LANES;
  const v128_t s0 = wasm_v128_load(slope), s1 = wasm_v128_load(slope + 4), s2 = wasm_v128_load(slope + 8);
  const int ch = height - 2, cw = width - 2;
  const int ph = (ch + 1) / 2, pw = (cw + 1) / 2;
  const int stride = width * 3;
  float *o = out_at;
  for (int py = 0; py < ph; py++) {
    for (int px = 0; px < pw; px++, o += 10) {
      const float *p = in_at + 2 * py * stride + 2 * px * 3;
      if (2 * py + 1 < ch && 2 * px + 1 < cw) {
        pool_full(p, stride, s0, s1, s2, o);
        continue;
      }
      // A window cut short by the bottom or right edge ("same" padding adds nothing).
      v128_t m0 = wasm_f32x4_splat(-__builtin_inff());
      v128_t m1 = m0, m2 = m0;
      for (int dy = 0; dy < 2 && 2 * py + dy < ch; dy++) {
        for (int dx = 0; dx < 2 && 2 * px + dx < cw; dx++) {
          v128_t a0, a1, a2;
          conv_one(p + dy * stride + dx * 3, stride, &a0, &a1, &a2);
          m0 = wasm_f32x4_max(m0, prelu(a0, s0));
          m1 = wasm_f32x4_max(m1, prelu(a1, s1));
          m2 = wasm_f32x4_max(m2, prelu(a2, s2));
        }
      }
      wasm_v128_store(o, m0);
      wasm_v128_store(o + 4, m1);
      wasm_v128_store64_lane(o + 8, m2, 0);
    }
  }
}
