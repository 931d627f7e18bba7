/**
 * A copy of the repository's terraform/ and configs/ (the local runtime reads configs/ beside
 * terraform/) with text edits applied, for tests that show a check fails on a bad configuration.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Copies `repoRoot`'s terraform/ and configs/ into `dir` and applies `edits` (file under
 * terraform/ → [from, to], first occurrence); returns the copy's terraform/ directory. Throws when
 * a file no longer contains the text to replace, so an edit cannot silently do nothing.
 */
export function editedTerraformCopy(repoRoot: string, dir: string, edits: Record<string, [string, string]>): string {
  cpSync(path.join(repoRoot, 'terraform'), path.join(dir, 'terraform'), { recursive: true });
  cpSync(path.join(repoRoot, 'configs'), path.join(dir, 'configs'), { recursive: true });
  for (const [file, [from, to]] of Object.entries(edits)) {
    const full = path.join(dir, 'terraform', file);
    const text = readFileSync(full, 'utf8');
    if (!text.includes(from)) {
      throw new Error(`${file} no longer contains ${JSON.stringify(from)}; update this test's edit`);
    }
    writeFileSync(full, text.replace(from, to));
  }
  return path.join(dir, 'terraform');
}
