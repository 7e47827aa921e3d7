// The dataset's composition as the reports of the repository and s3 suites describe it (one sentence per kind of
// file, from the generator's statistics).

import type { DatasetStats } from './dataset.ts';

export function describeComposition(stats: DatasetStats, scale: number): string {
  const k = stats.byKind;
  const mb = (b = 0) => `${(b / 1e6).toFixed(0)} MB`;
  const pages = (k.html?.files ?? 0) + (k.markdown?.files ?? 0) + (k.text?.files ?? 0);
  const pageBytes = (k.html?.bytes ?? 0) + (k.markdown?.bytes ?? 0) + (k.text?.bytes ?? 0);
  return [
    `${pages} HTML/Markdown/text pages of 0.5-60 KB (${mb(pageBytes)}, ${k.html?.files ?? 0} HTML, ${k.markdown?.files ?? 0} Markdown, ${k.text?.files ?? 0} text; nested up to 6 levels)`,
    `${k.json?.files ?? 0} JSON exports (${mb(k.json?.bytes)})`,
    `${k.log?.files ?? 0} logs (${mb(k.log?.bytes)})`,
    `${k.binary?.files ?? 0} incompressible binaries of ${+(1 * scale).toPrecision(2)}-${+(60 * scale).toPrecision(2)} MB (${mb(k.binary?.bytes)})`,
    `${k.copy?.files ?? 0} duplicate files: a copied subtree, loose copies, mirrored binaries and exports (${mb(k.copy?.bytes)})`,
  ].join('; ');
}
