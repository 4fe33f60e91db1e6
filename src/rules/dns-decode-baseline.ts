import dnsPacket from 'dns-packet';

/**
 * Evaluation baseline: "does this payload decode as a DNS message" according
 * to the dns-packet library, a full wire-format parser. The pipeline keeps
 * only the header and length of each sample, so this runs in evaluation
 * tooling that still has the whole payload, never on the per-packet path;
 * that is why a try/catch (and the parser's allocations) are acceptable here.
 *
 * A payload cut short by the capture snaplen usually fails to decode, so the
 * baseline reports such benign messages as "not DNS"; the header rules do not
 * have that weakness because they use the claimed message length.
 */
export function decodesAsDns(payload: Uint8Array): boolean {
  if (payload.length < 12) return false;
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
  try {
    dnsPacket.decode(buf);
    return true;
  } catch {
    return false;
  }
}
