import { readdirSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { ROOT } from '../golden/run-cli.js';

/** The captures of `dir` (relative to the repository unless absolute), sorted. */
export const list = (dir: string): string[] =>
  readdirSync(isAbsolute(dir) ? dir : join(ROOT, dir))
    .filter((f) => /\.pcap(ng)?$/.test(f))
    .sort()
    .map((f) => join(dir, f));

export const CORPUS = '/work/shared/corpus';
/** The evaluate CLI tests' inputs: the public corpus's benign captures and ours, its in-protocol tunnels, two non-DNS flows. */
export const BENIGN = [...list(`${CORPUS}/benign`), ...list('test/fixtures/benign')];
export const TUNNELS = list(`${CORPUS}/anomalous/in-protocol-tunnel`);
export const ANOMALOUS = ['test/fixtures/anomalous/suricata__http-get-tcp53-a.pcap', 'test/fixtures/anomalous/suricata__dns-udp-junkrequest-first.pcap'];
