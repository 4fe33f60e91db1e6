/**
 * Alert signatures, numbered in a private range so they never collide with
 * ET/Suricata rule ids in a shared SIEM index. Categories reuse Suricata's
 * classification.config names so existing dashboards group them sensibly.
 */
export interface Signature {
  readonly id: number;
  readonly text: string;
  readonly category: string;
  readonly severity: 1 | 2 | 3;
}

/**
 * Severity by agreement: both detectors 1, the structure checks alone 2
 * (a header that cannot be DNS), the autoencoder alone 3 (a header unlike
 * the benign traffic it learned, which a site's own rare traffic can be).
 */
export const SIG_AUTOENCODER: Signature = {
  id: 9_053_001,
  text: 'DNSAE port-53 payload does not look like DNS (autoencoder)',
  category: 'Detection of a Non-Standard Protocol or Event',
  severity: 3,
};

export const SIG_RULES: Signature = {
  id: 9_053_002,
  text: 'DNSAE port-53 payload fails DNS header structure checks',
  category: 'Detection of a Non-Standard Protocol or Event',
  severity: 2,
};

export const SIG_BOTH: Signature = {
  id: 9_053_003,
  text: 'DNSAE non-DNS traffic on port 53 (autoencoder and structure checks agree)',
  category: 'Potentially Bad Traffic',
  severity: 1,
};

/**
 * The question stage: a (client, registered domain) window whose query
 * names, types and volume do not reconstruct. Tunnels and exfiltration in
 * names are data leaving the network, hence Suricata's information-leak class.
 */
export const SIG_TUNNEL: Signature = {
  id: 9_053_010,
  text: 'DNSAE DNS tunnel or exfiltration suspected (question autoencoder, per client and registered domain)',
  category: 'Attempted Information Leak',
  severity: 2,
};

export const SIGNATURES: readonly Signature[] = [SIG_AUTOENCODER, SIG_RULES, SIG_BOTH, SIG_TUNNEL];

export function signatureFor(aeHit: boolean, rulesHit: boolean): Signature {
  if (aeHit && rulesHit) return SIG_BOTH;
  return aeHit ? SIG_AUTOENCODER : SIG_RULES;
}
