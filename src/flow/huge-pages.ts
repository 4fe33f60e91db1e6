import { fileURLToPath } from 'node:url';

/**
 * Transparent huge pages for the fast lane's memory (native/huge-pages,
 * built by npm's install step). The lane's WebAssembly memory holds the
 * flow table and the question stage's window table, index and caches: a
 * hundred MiB and more, which V8 maps with 4 KiB pages. Under the kernel's
 * default THP mode (`madvise`) each of those pages costs a fault on first
 * touch, and the tables' random probes miss the TLB; advised, the kernel
 * backs them with 2 MiB pages (docs/performance.md, "Huge pages").
 *
 * Without the addon (installed with --ignore-scripts, a build elsewhere),
 * on a system other than Linux, and with DNSAE_HUGE_PAGES=0 in the
 * environment, nothing is advised and the lane runs as before.
 */
interface HugePagesAddon {
  advise(buffer: ArrayBuffer): number;
}

const ADDON_PATH = fileURLToPath(new URL('../../native/huge-pages/build/Release/huge_pages.node', import.meta.url));

let addon: HugePagesAddon | null | undefined;

function loadAddon(): HugePagesAddon | undefined {
  if (addon === undefined) {
    try {
      // process.dlopen, not require(): the CommonJS loader's resolution costs more than the addon's few calls save.
      const m = { exports: {} };
      process.dlopen(m, ADDON_PATH);
      addon = m.exports as HugePagesAddon;
    } catch {
      addon = null;
    }
  }
  return addon ?? undefined;
}

/** Whether advise can ask for huge pages here (the addon loads and DNSAE_HUGE_PAGES is not 0). */
export function hugePagesAvailable(): boolean {
  return process.env.DNSAE_HUGE_PAGES !== '0' && loadAddon() !== undefined;
}

/**
 * Asks for huge pages behind `buffer` before its pages are first touched;
 * returns the bytes advised (the whole 2 MiB pages inside it), 0 when none.
 */
export function adviseHugePages(buffer: ArrayBuffer): number {
  if (!hugePagesAvailable()) return 0;
  return loadAddon()!.advise(buffer);
}
