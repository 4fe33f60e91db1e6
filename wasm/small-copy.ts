// Copies and clears of a few hundred bytes at most, inline. V8 compiles
// wasm memory.copy and memory.fill to a call out to C (memmove, memset)
// whatever the length; the lane makes several such copies per message
// (message bytes, example names, a window's words), where the call costs
// more than the bytes.

/** Copies `n` bytes from `src` to `dst` (the ranges do not overlap). */
@inline export function copySmall(dst: u32, src: u32, n: u32): void {
  let i: u32 = 0;
  for (; i + 8 <= n; i += 8) store<u64>(dst + i, load<u64>(src + i));
  if (i + 4 <= n) {
    store<u32>(dst + i, load<u32>(src + i));
    i += 4;
  }
  for (; i < n; i++) store<u8>(dst + i, load<u8>(src + i));
}

/** Zeroes `n` bytes at `dst`, `n` a multiple of 4. */
@inline export function zeroWords(dst: u32, n: u32): void {
  let i: u32 = 0;
  for (; i + 8 <= n; i += 8) store<u64>(dst + i, 0);
  if (i < n) store<u32>(dst + i, 0);
}
