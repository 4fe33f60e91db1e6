/**
 * `target` behind a proxy that throws on an index read outside [lo, hi) or
 * on a negative index: plain typed arrays return undefined (or a neighbour's
 * byte) there, which would hide a decoder reading beyond what it was given.
 */
function guarded(target: Uint8Array, lo: number, hi: number, outside: (i: number) => string): Uint8Array {
  return new Proxy(target, {
    get(t, prop) {
      if (typeof prop === 'string') {
        const c = prop.charCodeAt(0);
        if (c >= 48 && c <= 57) {
          const i = Number(prop);
          if (Number.isInteger(i) && (i < lo || i >= hi)) throw new RangeError(outside(i));
        } else if (c === 45 /* '-' */) {
          throw new RangeError(`negative index ${prop}`);
        }
      }
      const v = Reflect.get(t, prop, t) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}

/** A copy of `src` that throws on any index read past its length. */
export function strictBytes(src: Uint8Array): Uint8Array {
  const target = Uint8Array.from(src);
  return guarded(target, 0, target.length, (i) => `read past captured bytes: ${i} >= ${target.length}`);
}

/**
 * `src` at `pad` inside a buffer of `pad` filler bytes on each side, as a
 * capture reader delivers a frame inside its read window. Reading the
 * filler throws, so a decoder that ignores the frame's offset or reads past
 * its captured length fails the test instead of reading a neighbour.
 */
export function strictWindow(src: Uint8Array, pad: number): Uint8Array {
  const target = new Uint8Array(src.length + 2 * pad).fill(0xa5);
  target.set(src, pad);
  const end = pad + src.length;
  return guarded(target, pad, end, (i) => `read outside the frame: ${i} not in [${pad}, ${end})`);
}
