/** Hand-built DNS messages for the question decoder's tests (RFC 1035 4.1 layout). */

export interface HeaderFields {
  id?: number;
  flags?: number;
  qd?: number;
  an?: number;
  ns?: number;
  ar?: number;
}

export function header(h: HeaderFields = {}): number[] {
  const w = (v: number) => [(v >>> 8) & 0xff, v & 0xff];
  return [...w(h.id ?? 0x1234), ...w(h.flags ?? 0x0100), ...w(h.qd ?? 1), ...w(h.an ?? 0), ...w(h.ns ?? 0), ...w(h.ar ?? 0)];
}

/** Wire form of a dotted name; '' is the root. Labels are taken as given (no length check), so tests can build bad ones. */
export function wireName(name: string): number[] {
  const out: number[] = [];
  if (name !== '') for (const l of name.split('.')) out.push(l.length, ...Buffer.from(l, 'latin1'));
  out.push(0);
  return out;
}

/** Labels given as byte arrays (for bytes a dotted string cannot hold, such as '.'). */
export function wireLabels(labels: ReadonlyArray<ArrayLike<number>>): number[] {
  const out: number[] = [];
  for (const l of labels) out.push(l.length, ...Array.from(l));
  out.push(0);
  return out;
}

export function u16(v: number): number[] {
  return [(v >>> 8) & 0xff, v & 0xff];
}

export function ptr(offset: number): number[] {
  return [0xc0 | (offset >>> 8), offset & 0xff];
}

/** A resource record: owner (wire bytes), type, class IN, TTL 60, RDATA. */
export function rr(owner: number[], type: number, rdata: number[]): number[] {
  return [...owner, ...u16(type), ...u16(1), 0, 0, 0, 60, ...u16(rdata.length), ...rdata];
}

export function query(name: string, qtype = 1, qclass = 1, h: HeaderFields = {}): Uint8Array {
  return Uint8Array.from([...header(h), ...wireName(name), ...u16(qtype), ...u16(qclass)]);
}

export function bytesOf(...parts: number[][]): Uint8Array {
  return Uint8Array.from(parts.flat());
}
