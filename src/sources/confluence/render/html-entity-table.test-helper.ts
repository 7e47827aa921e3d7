// HTML5's table of named character references, read straight out of the `entities` package's serialized data
// (front-coded names and their values; the format is documented in the package's
// `src/internal/decode-data-format.ts`). Tests check the decoder against it entry by entry, so they do not go
// through the package's lookup code, only through its data.

import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface NamedReference {
  /** The name without `&` and `;`. */
  name: string;
  /** The characters it stands for (one or two code points). */
  characters: string;
  /** Whether HTML also accepts it without the `;` (a legacy entry of the table). */
  legacy: boolean;
}

const HEADER_BIAS = 0x30;
const META_BIAS = 0x23;
const HEADER_LENGTH = 6;

/** Every named reference of the table, in the package's order. */
export async function htmlEntityTable(): Promise<NamedReference[]> {
  const main = createRequire(import.meta.url).resolve('entities');
  const dataFile = path.join(path.dirname(main), 'generated', 'decode-data-html.js');
  const module = (await import(pathToFileURL(dataFile).href)) as {
    htmlDecodeData: readonly [string, string];
  };
  const [data, values] = module.htmlDecodeData;
  const pair = (at: number) =>
    ((data.charCodeAt(at) - HEADER_BIAS) << 6) | (data.charCodeAt(at + 1) - HEADER_BIAS);
  const nameCount = pair(0);
  const metaStart = HEADER_LENGTH + pair(2);
  const table: NamedReference[] = [];
  let name = '';
  let suffixOffset = HEADER_LENGTH;
  let valueOffset = 0;
  for (let index = 0; index < nameCount; index++) {
    const meta0 = data.charCodeAt(metaStart + 2 * index) - META_BIAS;
    const meta1 = data.charCodeAt(metaStart + 2 * index + 1) - META_BIAS;
    const prefixLength = meta0 & 31;
    const suffixLength = meta1 & 31;
    const valueLength = (meta1 >> 5) + 1;
    name = name.slice(0, prefixLength) + data.slice(suffixOffset, suffixOffset + suffixLength);
    suffixOffset += suffixLength;
    table.push({
      name,
      characters: values.slice(valueOffset, valueOffset + valueLength),
      legacy: (meta0 & 0x20) !== 0,
    });
    valueOffset += valueLength;
  }
  return table;
}
