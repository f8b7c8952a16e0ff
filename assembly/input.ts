// Input normalisation: image bytes (0..255) -> the model's float inputs through a 256-entry table, with the
// border of a padded input at the background level (classic LeNet-5 reads 28x28 digits centred in 32x32,
// the border at -0.1). Converting in JS
// cost ~1.2-1.8 us per 784-pixel image (about 7% of a modern LeNet-5 inference); here it is one table
// load per pixel.
//
// Pointers are byte offsets into the module's memory; arrays are float32 unless said otherwise.
// Arguments go outputs (and state updated in place) first, then inputs and parameters, then sizes,
// then scalar settings.

/**
 * out (N, H+2pad, W+2pad) = lut[bytes (N, H, W)], border = lut[0] (the value of a blank pixel).
 * `bytes` is a byte offset to N*H*W unsigned bytes; `lut` holds 256 floats.
 */
export function bytesToInput(out: usize, bytes: usize, lut: usize, N: i32, H: i32, W: i32, pad: i32): void {
  const Wp = W + 2 * pad, Hp = H + 2 * pad;
  const planeB = <usize>(Hp * Wp) << 2;
  const blank = v128.load32_splat(lut);
  for (let n = 0; n < N; n++) {
    const o = out + <usize>n * planeB;
    if (pad > 0) {
      // The whole plane blank first (whole vectors; the interior is overwritten below).
      const end = o + planeB;
      let p = o;
      for (; p + 16 <= end; p += 16) v128.store(p, blank);
      for (; p < end; p += 4) store<f32>(p, f32x4.extract_lane(blank, 0));
    }
    let src = bytes + <usize>(n * H * W);
    for (let y = 0; y < H; y++) {
      let dst = o + (<usize>((y + pad) * Wp + pad) << 2);
      let x = 0;
      for (; x + 4 <= W; x += 4) {
        const q = load<u32>(src);
        store<f32>(dst, load<f32>(lut + ((<usize>(q & 0xff)) << 2)));
        store<f32>(dst, load<f32>(lut + ((<usize>((q >>> 8) & 0xff)) << 2)), 4);
        store<f32>(dst, load<f32>(lut + ((<usize>((q >>> 16) & 0xff)) << 2)), 8);
        store<f32>(dst, load<f32>(lut + ((<usize>(q >>> 24)) << 2)), 12);
        src += 4;
        dst += 16;
      }
      for (; x < W; x++) {
        store<f32>(dst, load<f32>(lut + (<usize>load<u8>(src) << 2)));
        src += 1;
        dst += 4;
      }
    }
  }
}
