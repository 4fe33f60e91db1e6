#!/usr/bin/env node
// The whole `dnsae live` sensor under load: a veth pair into a private
// network namespace, `tcpreplay --pps RATE -K --limit N` of a capture out of
// the namespace end, the built CLI capturing and scoring on the host end
// with the default model. Reports what tcpreplay sent, what the kernel
// received and dropped, what the sensor's queue dropped, what it delivered
// and scored, and the CPU it used (from /proc). Root only; bounded by the
// packet count and by time.
//
//   npm run build
//   node scripts/bench/measure-live-sensor.mjs [--pcap /tmp/dnsae-bench.pcap] [--pps 200000]
//                                        [--packets 1000000] [--pin] [--prefix lvw] [--cli DIST/cli/main.js]
//                                        [-- extra dnsae live options]
// With `-- --workers N` it also reports each worker's frames and forwarded runs.
// --pin runs the sensor on CPU 0 and tcpreplay on CPU 1 (taskset). The
// namespace is PREFIX-sens-<random>, so runs started side by side never
// share one.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values, positionals } = parseArgs({
  options: {
    pcap: { type: 'string', default: '/tmp/dnsae-bench.pcap' },
    pps: { type: 'string', default: '200000' },
    packets: { type: 'string', default: '1000000' },
    pin: { type: 'boolean', default: false },
    prefix: { type: 'string', default: 'dnsae' },
    cli: { type: 'string', default: join(ROOT, 'dist/cli/main.js') },
  },
  allowPositionals: true,
});
// --cli another build's dist/cli/main.js, to compare two builds in one session.
const CLI = resolve(values.cli);
const packets = Math.min(Number(values.packets), 5_000_000);
const pps = Number(values.pps);
const fail = (msg) => {
  console.error(`measure-live-sensor: ${msg}`);
  process.exit(2);
};
if (process.getuid?.() !== 0) fail('needs root (network namespace, raw capture)');
if (!existsSync(CLI)) fail('run npm run build first');
if (!existsSync(values.pcap)) fail(`${values.pcap} is missing (scripts/bench/make-bench-capture.sh builds it)`);
if (!(packets > 0 && pps > 0)) fail('--packets and --pps must be positive');
if (!/^[a-z][a-z0-9]{0,7}$/.test(values.prefix)) fail('--prefix must be 1-8 lower-case letters and digits');

const tag = randomBytes(3).toString('hex');
const ns = `${values.prefix}-sens-${tag}`;
const host = `ds${tag}h`;
const peer = `ds${tag}p`;
const must = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** utime and stime of a process in seconds (fields 14 and 15 of /proc/PID/stat). */
function cpuTimes(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(f[11]) / TICKS, system: Number(f[12]) / TICKS };
}

function peakRssMiB(pid) {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : null;
}

let sensor;
// The 1-minute load average before the run: on a shared host, what else was running.
const loadBefore = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
try {
  must('ip', ['netns', 'add', ns]);
  must('ip', ['link', 'add', host, 'type', 'veth', 'peer', 'name', peer, 'netns', ns]);
  writeFileSync(`/proc/sys/net/ipv6/conf/${host}/disable_ipv6`, '1');
  must('ip', ['netns', 'exec', ns, 'sysctl', '-qw', `net.ipv6.conf.${peer}.disable_ipv6=1`]);
  must('ip', ['-n', ns, 'link', 'set', peer, 'mtu', '65535', 'up']);
  must('ip', ['link', 'set', host, 'mtu', '65535', 'up']);

  const logs = [];
  const pinSensor = values.pin ? ['taskset', '-c', '0'] : [];
  const pinReplay = values.pin ? ['taskset', '-c', '1'] : [];
  // taskset execs the command, so the child's pid is the sensor's.
  sensor = spawn(pinSensor[0] ?? process.execPath, [...pinSensor.slice(1), ...(values.pin ? [process.execPath] : []), CLI, 'live', '-i', host, '--stats-interval', '1', '-o', '/dev/null', ...positionals], {
    cwd: dirname(dirname(dirname(CLI))),
    env: { ...process.env, DNSAE_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let buf = '';
  let errText = '';
  sensor.stderr.setEncoding('utf8');
  sensor.stderr.on('data', (d) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.startsWith('{')) logs.push(JSON.parse(line));
      else errText += line + '\n';
    }
  });
  const exited = new Promise((r) => sensor.once('exit', (code) => r(code)));
  const stats = () => logs.filter((l) => l.msg === 'live stats').map((l) => l.stats);
  for (let i = 0; i < 200 && !logs.some((l) => l.msg === 'live capture started'); i++) {
    if (sensor.exitCode !== null) throw new Error(`sensor exited ${sensor.exitCode}: ${errText}`);
    await sleep(50);
  }
  const started = logs.find((l) => l.msg === 'live capture started');
  if (!started) throw new Error('sensor did not start');
  const cpu0 = cpuTimes(sensor.pid);
  const t0 = performance.now();

  const replay = spawnSync(
    'ip',
    ['netns', 'exec', ns, ...pinReplay, 'tcpreplay', '-K', `--pps=${pps}`, `--limit=${packets}`, '--loop=0', '-i', peer, values.pcap],
    { encoding: 'utf8', timeout: 300_000, maxBuffer: 16 << 20 },
  );
  const out = `${replay.stdout}${replay.stderr}`;
  if (replay.status !== 0) throw new Error(`tcpreplay failed: ${out}`);
  const sent = Number(/Actual: (\d+) packets/.exec(out)?.[1]);
  const replaySeconds = Number(/packets \(\d+ bytes\) sent in ([\d.]+) seconds/.exec(out)?.[1]);
  const replayPps = Number(/Rated: [\d.]+ Bps, [\d.]+ Mbps, ([\d.]+) pps/.exec(out)?.[1]);

  // Wait (bounded) until the sensor has worked off its queue: two stats lines in a row with nothing new.
  for (let i = 0; i < 600; i++) {
    const s = stats();
    const a = s.at(-1);
    const b = s.at(-2);
    if (a && b && a.packets === b.packets && a.samples === b.samples && a.queue_queued === 0 && a.packets > 0) break;
    await sleep(100);
  }
  const busySeconds = (performance.now() - t0) / 1000;
  const cpu1 = cpuTimes(sensor.pid);
  const user = cpu1.user - cpu0.user;
  const system = cpu1.system - cpu0.system;
  const cpu = user + system;
  const rss = peakRssMiB(sensor.pid);
  sensor.kill('SIGTERM');
  const code = await exited;
  const final = logs.filter((l) => l.msg === 'live stats' && l.final).at(-1)?.stats;
  // live --workers N: each worker's share of the frames and the runs they came in.
  const perWorker = logs.find((l) => l.msg === 'live summary')?.stats?.per_worker;
  console.log(
    JSON.stringify({
      pcap: values.pcap,
      cli: CLI,
      load_average_before: loadBefore,
      sensor_args: positionals,
      pinned: values.pin,
      exit: code,
      model_id: started.model_id,
      target_pps: pps,
      sent,
      replay_seconds: replaySeconds,
      replay_pps: replayPps,
      kernel_received: final?.kernel_received,
      kernel_drops: final?.kernel_drops,
      queue_drops: final?.queue_drops,
      delivered: final?.packets,
      fast_lane_packets: final?.fast_lane_packets,
      queue_high_water: final?.queue_high_water,
      samples: final?.samples,
      alerts: final?.alerts,
      cpu_seconds: Number(cpu.toFixed(2)),
      cpu_user_seconds: Number(user.toFixed(2)),
      cpu_system_seconds: Number(system.toFixed(2)),
      wall_seconds_to_idle: Number(busySeconds.toFixed(2)),
      cpu_per_100k_packets: final?.packets ? Number(((cpu * 1e5) / final.packets).toFixed(3)) : null,
      cpu_per_million_packets: final?.packets ? Number(((cpu * 1e6) / final.packets).toFixed(2)) : null,
      peak_rss_mib: rss,
      ...(perWorker === undefined ? {} : { worker_frames: perWorker.map((w) => w.frames), worker_runs: perWorker.map((w) => w.forwarded_runs) }),
    }),
  );
} finally {
  if (sensor && sensor.exitCode === null) sensor.kill('SIGKILL');
  spawnSync('ip', ['netns', 'del', ns]);
  spawnSync('ip', ['link', 'del', host]);
}
