// A multipart/form-data body built as a stream (RFC 7578): the small text fields first, then the file, whose
// bytes pass through without ever being held whole. When the file's size is known the exact Content-Length is
// computed, so the upload needs no chunked encoding.

import { randomBytes } from 'node:crypto';
import type { BodySource } from './http-transport.ts';

export interface MultipartFile {
  field: string;
  filename: string;
  mediaType: string;
  size?: number | undefined;
  open(): AsyncIterable<Uint8Array>;
}

export interface MultipartField {
  name: string;
  value: string;
  /** e.g. `text/plain; charset=utf-8` (Confluence wants it on `comment`). */
  contentType?: string;
}

/** A quoted-string parameter as browsers send it: `"`, CR and LF percent-encoded, other UTF-8 left as is. */
function quoted(value: string): string {
  return `"${value.replaceAll('"', '%22').replaceAll('\r', '%0D').replaceAll('\n', '%0A')}"`;
}

/** `type/subtype` with optional `; name=value` parameters (RFC 9110 tokens, quoted strings without line breaks). */
const MEDIA_TYPE =
  /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:[ \t]*;[ \t]*[!#$%&'*+.^_`|~0-9A-Za-z-]+=(?:[!#$%&'*+.^_`|~0-9A-Za-z-]+|"[^"\\\r\n]*"))*$/;

/** A media type fit for a header line; anything else (a snapshot's or a server's value is not trusted) is bytes. */
function safeMediaType(value: string): string {
  return value.length <= 255 && MEDIA_TYPE.test(value) ? value : 'application/octet-stream';
}

export function multipartBody(fields: readonly MultipartField[], file: MultipartFile): BodySource {
  const boundary = `----stepvault${randomBytes(16).toString('hex')}`;
  const encoder = new TextEncoder();
  const head = fields
    .map((f) => {
      const type = f.contentType ? `Content-Type: ${f.contentType}\r\n` : '';
      return `--${boundary}\r\nContent-Disposition: form-data; name=${quoted(f.name)}\r\n${type}\r\n${f.value}\r\n`;
    })
    .join('');
  const fileHead =
    `${head}--${boundary}\r\nContent-Disposition: form-data; name=${quoted(file.field)}; ` +
    `filename=${quoted(file.filename)}\r\nContent-Type: ${safeMediaType(file.mediaType)}\r\n\r\n`;
  const prefix = encoder.encode(fileHead);
  const suffix = encoder.encode(`\r\n--${boundary}--\r\n`);
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    ...(file.size !== undefined ? { length: prefix.byteLength + file.size + suffix.byteLength } : {}),
    async *open() {
      yield prefix;
      let sent = 0;
      for await (const chunk of file.open()) {
        sent += chunk.byteLength;
        yield chunk;
      }
      if (file.size !== undefined && sent !== file.size) {
        throw new Error(`${file.filename}: the stream gave ${sent} bytes, ${file.size} were announced`);
      }
      yield suffix;
    },
  };
}
