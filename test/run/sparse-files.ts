import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * Files of a given size and no content (sparse), for tests of plans that
 * look only at input sizes; in a directory removed after the test file.
 */
export function sparseFiles(prefix: string): { dir: string; file: (name: string, bytes: number) => string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, bytes: number): string => {
    const p = join(dir, name);
    writeFileSync(p, '');
    truncateSync(p, bytes);
    return p;
  };
  return { dir, file };
}
