#!/usr/bin/env node
// Live capture throughput on a veth pair into a private network namespace:
// tcpreplay pushes a DNS capture N times at top speed out of the namespace,
// the live source on the host end counts what it delivers and what the
// queue and the kernel dropped. Root only; bounded by count and time.
//
//   node scripts/bench/measure-live.mjs [--loops 200] [--consumer-delay-ms 0] [--queue-frames 65536]
//                                 [--snaplen 65535] [--buffer-mb 16] [--immediate]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values } = parseArgs({
  options: {
    loops: { type: 'string', default: '200' },
    'consumer-delay-ms': { type: 'string', default: '0' },
    'queue-frames': { type: 'string', default: '65536' },
    snaplen: { type: 'string', default: '65535' },
    'buffer-mb': { type: 'string', default: '16' },
    immediate: { type: 'boolean', default: false },
    file: { type: 'string', default: join(ROOT, 'test/fixtures/live/tcpdump__edns-opts.pcap') },
  },
});
const loops = Math.min(Number(values.loops), 5000);
const delayMs = Number(values['consumer-delay-ms']);
if (process.getuid?.() !== 0) {
  console.error('measure-live: needs root (network namespace, raw capture)');
  process.exit(2);
}

const tag = randomBytes(3).toString('hex');
const ns = `dnsae-meas-${tag}`;
const host = `dm${tag}h`;
const peer = `dm${tag}p`;
const build = join(ROOT, 'tmp', `measure-live-${tag}`);
const run = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', timeout: 120_000 });

mkdirSync(build, { recursive: true });
run(process.execPath, [
  join(ROOT, 'node_modules/typescript/bin/tsc'),
  ...['--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck'],
  ...['--types', 'node', '--rootDir', join(ROOT, 'src'), '--outDir', build],
  join(ROOT, 'src/capture/live-source.ts'),
]);
const { openLive } = await import(join(build, 'capture/live-source.js'));

try {
  run('ip', ['netns', 'add', ns]);
  run('ip', ['link', 'add', host, 'type', 'veth', 'peer', 'name', peer, 'netns', ns]);
  writeFileSync(`/proc/sys/net/ipv6/conf/${host}/disable_ipv6`, '1');
  run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', `net.ipv6.conf.${peer}.disable_ipv6=1`]);
  run('ip', ['-n', ns, 'link', 'set', peer, 'up']);
  run('ip', ['link', 'set', host, 'up']);

  const src = openLive({
    device: host,
    queueFrames: Number(values['queue-frames']),
    snaplen: Number(values.snaplen),
    bufferSize: Number(values['buffer-mb']) * 1024 * 1024,
    immediate: values.immediate,
  });
  let delivered = 0;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const done = src.run(
    () => {
      delivered++;
    },
    delayMs > 0 ? () => sleep(delayMs) : undefined,
  );
  const t0 = process.hrtime.bigint();
  // tcpreplay runs as a child so this process keeps capturing meanwhile.
  const replay = await new Promise((res) => {
    const child = spawn('ip', ['netns', 'exec', ns, 'tcpreplay', '-q', '-t', `--loop=${loops}`, '-i', peer, values.file], {
      timeout: 60_000,
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => res({ code, out }));
  });
  await sleep(200);
  await src.stop();
  await done;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const sent = /Actual: (\d+) packets/.exec(replay.out)?.[1];
  console.log(
    JSON.stringify({
      file: values.file,
      loops,
      sent: sent === undefined ? null : Number(sent),
      delivered,
      queue: src.queue,
      kernel: src.kernelStats(),
      consumerDelayMs: delayMs,
      snaplen: src.snaplen,
      bufferMb: Number(values['buffer-mb']),
      immediate: src.immediate,
      seconds: Number(secs.toFixed(3)),
    }),
  );
} finally {
  spawnSync('ip', ['netns', 'del', ns]);
  spawnSync('ip', ['link', 'del', host]);
  rmSync(build, { recursive: true, force: true });
}
