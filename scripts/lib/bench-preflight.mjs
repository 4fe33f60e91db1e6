// What a measuring script checks before it times anything: the capture it reads, the built CLI and the
// tools it runs. A missing one ends the script with one line naming it, exit 1.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const TOOL_PACKAGES = { '/usr/bin/time': 'time', taskset: 'util-linux' };

/** Exits 1 with `name: ...` unless `file` and `cli` exist and every tool runs. */
export function preflight(name, { file, cli, tools = [] }) {
  const fail = (why) => {
    console.error(`${name}: ${why}`);
    process.exit(1);
  };
  if (!existsSync(file)) fail(`${file} is missing (npm run bench makes /tmp/dnsae-bench.pcap)`);
  if (!existsSync(cli)) fail('run npm run build first');
  for (const tool of tools) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) fail(`${tool} is missing (Debian: ${TOOL_PACKAGES[tool] ?? tool})`);
  }
}
