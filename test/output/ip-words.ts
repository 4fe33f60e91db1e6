/**
 * Address text to the four big-endian words the Community ID function takes,
 * written here apart from src/output/community-id.ts so the tests do not
 * check that module's parser with itself. IPv4 goes in word 0.
 */
export function wordsOf(text: string): { v: 4 | 6; w: [number, number, number, number] } {
  if (!text.includes(':')) {
    const o = text.split('.').map(Number);
    return { v: 4, w: [((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) | 0, 0, 0, 0] };
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const hs = head === '' ? [] : head!.split(':');
  const ts = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...hs, ...Array<string>(8 - hs.length - ts.length).fill('0'), ...ts].map((g) => parseInt(g, 16));
  const w = (k: number): number => ((groups[2 * k]! << 16) | groups[2 * k + 1]!) | 0;
  return { v: 6, w: [w(0), w(1), w(2), w(3)] };
}

/** A canonical spelling (32 hex digits, or the dotted quad) for comparing address text from two programs. */
export function canonicalIp(text: string): string {
  const { v, w } = wordsOf(text);
  if (v === 4) return text;
  return w.map((x) => (x >>> 0).toString(16).padStart(8, '0')).join('');
}
