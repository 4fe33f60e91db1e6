import { afterEach, describe, expect, it } from 'vitest';
import { AssembledFlowInfo } from '../../src/flow/assembled-flow-info.js';
import { newFlowKey } from '../../src/flow/flow-key.js';
import { SampleBatch, type FlowInfo } from '../../src/flow/sample.js';
import { setCommunityIdSeed } from '../../src/output/community-id.js';
import { eveAlert, eveScoreRecord, type Verdict } from '../../src/output/eve-alert.js';
import { SAMPLE_CSV_HEADER, sampleToCsv, sampleToNdjson, writeSampleCsv, writeSampleNdjson } from '../../src/output/sample-format.js';
import { SIG_RULES } from '../../src/scoring/signatures.js';
import { wordsOf } from './ip-words.js';
import { collector } from './sample-rows.js';

/**
 * Every record type carries community_id where Suricata's EVE has it: right
 * after proto. Expected values are the specification's (community-id-spec
 * baseline/README.md tables): UDP 1.2.3.4:1122 <-> 5.6.7.8:3344 is
 * 1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg= with seed 0, 1:OShq+iKDAMVouh/4bMxB9Sz4amw=
 * with seed 1; TCP 1:wCb3OG7yAFWelaUydu0D+125CLM= with seed 0.
 */
const UDP_SEED0 = '1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=';
const UDP_SEED1 = '1:OShq+iKDAMVouh/4bMxB9Sz4amw=';
const TCP_SEED0 = '1:wCb3OG7yAFWelaUydu0D+125CLM=';

function assembled(transport: 'udp' | 'tcp', flowId: number): AssembledFlowInfo {
  const key = newFlowKey();
  key.a0 = wordsOf('1.2.3.4').w[0];
  key.b0 = wordsOf('5.6.7.8').w[0];
  key.proto = transport === 'tcp' ? 6 : 17;
  key.portA = 1122;
  key.portB = 3344;
  // 5.6.7.8:3344 as the client, so the record's src is the endpoint the hash puts second.
  return new AssembledFlowInfo(flowId, transport, 3344, 1122, 4, [], 0, key, false);
}

const plain: FlowInfo = { flowId: 99, transport: 'udp', clientIp: '1.2.3.4', clientPort: 1122, serverIp: '5.6.7.8', serverPort: 3344, ipVersion: 4, vlan: [7], sourceIndex: 0 };

function batchOf(flows: readonly FlowInfo[]): SampleBatch {
  const b = new SampleBatch(flows.length * 2);
  for (const f of flows) for (const dir of [0, 1] as const) b.push(f, dir, 1_700_000_000, 0, 0, 40, new Uint8Array(12), 0, 12, 0);
  return b;
}

const verdict: Verdict = { loss: undefined, threshold: undefined, perByteError: undefined, perByteOffset: 0, rulesFailed: ['z_bit_set'], aeHit: false, rulesHit: true, detector: 'rules', modelId: undefined };

function keysAfterProto(rec: Record<string, unknown>): string[] {
  const keys = Object.keys(rec);
  const i = keys.indexOf('proto');
  return keys.slice(i, i + 3);
}

async function ndjsonBytes(batch: SampleBatch): Promise<Record<string, unknown>[]> {
  const { sink, text } = collector();
  for (let i = 0; i < batch.count; i++) writeSampleNdjson(sink, batch, i, ['x.pcap']);
  await sink.close();
  return text().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('community_id in records', () => {
  afterEach(() => setCommunityIdSeed(0));

  it('extract NDJSON (string and byte writers): after proto, the same for both directions', async () => {
    const batch = batchOf([assembled('udp', 1), assembled('tcp', 2), plain]);
    const fromStrings = Array.from({ length: batch.count }, (_, i) => JSON.parse(sampleToNdjson(batch, i, ['x.pcap'])) as Record<string, unknown>);
    for (const recs of [fromStrings, await ndjsonBytes(batch)]) {
      expect(recs.map((r) => r.community_id)).toEqual([UDP_SEED0, UDP_SEED0, TCP_SEED0, TCP_SEED0, UDP_SEED0, UDP_SEED0]);
      for (const r of recs) expect(keysAfterProto(r)).toEqual(['proto', 'community_id', 'direction']);
      expect(typeof recs[0]!.community_id).toBe('string');
    }
  });

  it('follows the seed, also for flows already written with another one', async () => {
    const batch = batchOf([assembled('udp', 3)]);
    expect((await ndjsonBytes(batch))[0]!.community_id).toBe(UDP_SEED0);
    setCommunityIdSeed(1);
    expect((await ndjsonBytes(batch)).map((r) => r.community_id)).toEqual([UDP_SEED1, UDP_SEED1]);
    expect((JSON.parse(sampleToNdjson(batch, 1, [])) as Record<string, unknown>).community_id).toBe(UDP_SEED1);
    expect((JSON.parse(eveAlert(batch, 0, SIG_RULES, verdict, [])) as Record<string, unknown>).community_id).toBe(UDP_SEED1);
  });

  it('extract CSV: a community_id column after proto', async () => {
    const header = SAMPLE_CSV_HEADER.split(',');
    const col = header.indexOf('community_id');
    expect(header[col - 1]).toBe('proto');
    expect(header[col + 1]).toBe('direction');
    const batch = batchOf([assembled('tcp', 4), plain]);
    const { sink, text } = collector();
    for (let i = 0; i < batch.count; i++) writeSampleCsv(sink, batch, i, ['x.pcap']);
    await sink.close();
    const rows = text().trim().split('\n');
    expect(rows.map((r) => r.split(',')[col])).toEqual([TCP_SEED0, TCP_SEED0, UDP_SEED0, UDP_SEED0]);
    expect(rows.map((r) => r.split(',').length)).toEqual(rows.map(() => header.length));
    expect(Array.from({ length: batch.count }, (_, i) => sampleToCsv(batch, i, ['x.pcap']))).toEqual(rows);
  });

  it('EVE alerts and --all dns_ae records', () => {
    const batch = batchOf([assembled('udp', 5)]);
    for (const line of [eveAlert(batch, 0, SIG_RULES, verdict, ['x.pcap']), eveScoreRecord(batch, 1, verdict, 'none', ['x.pcap'], '"in_iface":"eth0",')]) {
      const rec = JSON.parse(line) as Record<string, unknown>;
      expect(rec.community_id).toBe(UDP_SEED0);
      expect(keysAfterProto(rec)).toEqual(['proto', 'community_id', 'direction']);
    }
  });

  it('leaves the field out for a flow whose address text is no address, as Suricata does when it has none', () => {
    const odd: FlowInfo = { ...plain, clientIp: 'a"b' };
    const batch = batchOf([odd]);
    expect('community_id' in (JSON.parse(sampleToNdjson(batch, 0, [])) as object)).toBe(false);
  });
});
