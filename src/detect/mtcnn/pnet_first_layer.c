// P-Net's first layer on WebAssembly SIMD: 3x3 conv (3 -> 10 channels, unpadded), bias, PReLU,
// then 2x2 max pooling at stride 2 with TensorFlow's "same" padding (windows cut short at the
// bottom and right edges). tfjs-wasm runs this conv at a third of its usual speed (3 input
// channels per tap and 10 outputs fit its kernels badly); here the 10 channels are three 4-lane
// accumulators and each input value is broadcast once per tap.
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

void run(int height, int width) {
  const float *w = params;
  const float *bias = params + TAPS * LANES;
  const float *slope = bias + LANES;
  const v128_t b0 = wasm_v128_load(bias), b1 = wasm_v128_load(bias + 4), b2 = wasm_v128_load(bias + 8);
  const v128_t s0 = wasm_v128_load(slope), s1 = wasm_v128_load(slope + 4), s2 = wasm_v128_load(slope + 8);
  const int ch = height - 2, cw = width - 2;
  const int ph = (ch + 1) / 2, pw = (cw + 1) / 2;
  const int stride = width * 3;
  float *o = out_at;
  for (int py = 0; py < ph; py++) {
    for (int px = 0; px < pw; px++) {
      v128_t m0 = wasm_f32x4_splat(-__builtin_inff());
      v128_t m1 = m0, m2 = m0;
      for (int dy = 0; dy < 2; dy++) {
        const int y = 2 * py + dy;
        if (y >= ch) break;
        for (int dx = 0; dx < 2; dx++) {
          const int x = 2 * px + dx;
          if (x >= cw) break;
          v128_t a0 = b0, a1 = b1, a2 = b2;
          const float *p = in_at + y * stride + x * 3;
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
          m0 = wasm_f32x4_max(m0, prelu(a0, s0));
          m1 = wasm_f32x4_max(m1, prelu(a1, s1));
          m2 = wasm_f32x4_max(m2, prelu(a2, s2));
        }
      }
      wasm_v128_store(o, m0);
      wasm_v128_store(o + 4, m1);
      wasm_v128_store64_lane(o + 8, m2, 0);
      o += 10;
    }
  }
}
