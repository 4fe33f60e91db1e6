import type { Command } from 'commander';
import { DEFAULT_PIPELINE_OPTIONS, type PipelineOptions } from '../pipeline.js';
import { parseIntOption, parsePortList } from './run-action.js';

/** Options shared by every command that reads captures. */
export function addPipelineOptions(cmd: Command): Command {
  const d = DEFAULT_PIPELINE_OPTIONS;
  return cmd
    .option('--ports <list>', 'DNS ports, comma separated', parsePortList, [...d.ports])
    .option('--max-flows <n>', 'flow table size limit (oldest flows evicted, counted)', parseIntOption('--max-flows', 1, 50_000_000), d.maxFlows)
    .option('--udp-idle <sec>', 'UDP flow idle timeout in seconds of capture time', parseIntOption('--udp-idle', 1, 86_400), d.udpIdleSec)
    .option('--tcp-idle <sec>', 'TCP flow idle timeout in seconds of capture time', parseIntOption('--tcp-idle', 1, 86_400), d.tcpIdleSec)
    .option('--tcp-buffer <bytes>', 'out-of-order bytes buffered per TCP direction', parseIntOption('--tcp-buffer', 1024, 16 * 1024 * 1024), d.maxTcpBufferBytes);
}

export interface PipelineCliOptions {
  ports: number[];
  maxFlows: number;
  udpIdle: number;
  tcpIdle: number;
  tcpBuffer: number;
}

export function pipelineOptionsFrom(o: PipelineCliOptions): PipelineOptions {
  return {
    ports: o.ports,
    maxFlows: o.maxFlows,
    udpIdleSec: o.udpIdle,
    tcpIdleSec: o.tcpIdle,
    maxTcpBufferBytes: o.tcpBuffer,
    batchSize: DEFAULT_PIPELINE_OPTIONS.batchSize,
  };
}
