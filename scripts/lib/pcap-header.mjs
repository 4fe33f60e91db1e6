// The 24-byte global header of a classic pcap file (microsecond, little-endian, version 2.4),
// for the scripts that write captures.
export function pcapGlobalHeader(snaplen = 262144, linktype = 1) {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(snaplen, 16);
  header.writeUInt32LE(linktype, 20);
  return header;
}
