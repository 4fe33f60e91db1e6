/**
 * Malformed input is counted under a stable name, never thrown (the Zeek
 * "weird" convention). Names are snake_case and documented in
 * docs/decoding.md (decoder names) and docs/architecture.md; decoders must
 * only use names from WEIRD_NAMES so a typo cannot silently create a new
 * counter.
 */
export const WEIRD_NAMES = [
  'unknown_linktype',
  'truncated_link_header',
  'unknown_ethertype',
  'truncated_vlan',
  'truncated_pppoe',
  'pppoe_non_ip',
  'truncated_sll',
  'truncated_nflog',
  'nflog_no_payload',
  'truncated_radiotap',
  'bad_radiotap_header',
  'truncated_80211',
  'non_data_80211',
  'encrypted_80211',
  'truncated_llc',
  'truncated_ip',
  'bad_ip_version',
  'bad_ipv4_header_length',
  'ip_total_length_exceeds_frame',
  'ip_total_length_too_small',
  'ipv4_total_length_zero',
  'truncated_ipv6_ext_header',
  'ipv6_ext_header_chain_too_long',
  'ip_fragment_noninitial',
  'truncated_udp',
  'bad_udp_length',
  'udp_length_exceeds_ip_payload',
  'udp_length_short_of_ip_payload',
  'truncated_tcp',
  'bad_tcp_header_length',
  'non_ip_payload',
  'unhandled_ip_protocol',
  'tcp_stream_gap',
  'tcp_reassembly_buffer_full',
  'dns_message_too_short',
  'dns_no_question',
  'dns_question_truncated',
  'dns_name_pointer_loop',
  'dns_name_forward_pointer',
  'dns_name_pointer_out_of_range',
  'dns_label_too_long',
  'dns_name_too_long',
  'dns_too_many_labels',
  'dns_name_non_ascii',
  'dns_answer_truncated',
  'dns_answer_malformed',
] as const;

export type WeirdName = (typeof WEIRD_NAMES)[number];

export class WeirdCounters {
  private readonly counts = new Map<WeirdName, number>();

  inc(name: WeirdName, by = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + by);
  }

  get(name: WeirdName): number {
    return this.counts.get(name) ?? 0;
  }

  total(): number {
    let t = 0;
    for (const v of this.counts.values()) t += v;
    return t;
  }

  /** Sorted by name so stats output is stable across runs. */
  toJSON(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const k of [...this.counts.keys()].sort()) out[k] = this.counts.get(k)!;
    return out;
  }
}
