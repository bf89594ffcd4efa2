import type { Output } from "../io.js";
import type { CopyOptions } from "./copy.js";
import type { Descriptor } from "./descriptor.js";

/** Blobs smaller than this finish before a bar would be worth drawing. */
const minimumSize = 1024 * 1024;

/**
 * Copy hooks drawing a one-line progress bar per large blob on a terminal. Off when nobody watches
 * (not a TTY) or with `--quiet`: pipelines and logs stay clean.
 */
export function progressHooks(stderr: Output, quiet: boolean): CopyOptions {
  if (quiet || !stderr.isTTY) return {};
  const draw = (descriptor: Descriptor, sent: number) => {
    if (descriptor.size < minimumSize) return;
    const width = 30;
    const done = Math.min(width, Math.round((sent / descriptor.size) * width));
    const percent = Math.floor((sent / descriptor.size) * 100);
    stderr.write(`\r${descriptor.digest.slice(7, 19)} [${"#".repeat(done)}${" ".repeat(width - done)}] ${percent}% of ${mebibytes(descriptor.size)}`);
  };
  return {
    onCopyStart: (descriptor) => draw(descriptor, 0),
    onProgress: draw,
    onCopied: (descriptor) => {
      if (descriptor.size >= minimumSize) stderr.write("\r\u001b[2K");
    },
  };
}

function mebibytes(size: number): string {
  return `${(size / (1024 * 1024)).toFixed(1)} MiB`;
}
