import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The code of worker `name` (src/run/NAME.ts): the bundle `npm run build`
 * makes (dist/bundle/NAME.cjs), or tsc's module (dist/run/NAME.js) after a
 * build by tsc alone. Both are two levels below the root from this module
 * in dist/run/ and from the CLI bundle in dist/bundle/.
 */
export function workerUrl(name: string): URL {
  const bundled = new URL(`../bundle/${name}.cjs`, import.meta.url);
  return existsSync(fileURLToPath(bundled)) ? bundled : new URL(`../run/${name}.js`, import.meta.url);
}
