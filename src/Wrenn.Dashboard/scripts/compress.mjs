// Writes a Brotli (.br) and a gzip (.gz) copy beside every text asset of the build, so that the
// server sends compressed bytes without compressing on each request.
import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const root = new URL("../../../artifacts/dashboard/", import.meta.url).pathname;
const compressible = /\.(js|css|html|svg|json|txt)$/;

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (compressible.test(name)) yield path;
  }
}

// A build cut short must not leave a truncated copy for the server to send.
function writeAtomically(path, bytes) {
  writeFileSync(path + ".tmp", bytes);
  renameSync(path + ".tmp", path);
}

let raw = 0, brotli = 0;
for (const path of files(root)) {
  const bytes = readFileSync(path);
  const br = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
  writeAtomically(path + ".br", br);
  writeAtomically(path + ".gz", gzipSync(bytes, { level: 9 }));
  raw += bytes.length;
  brotli += br.length;
}
console.log(`dashboard: ${(raw / 1024).toFixed(0)} KiB of assets, ${(brotli / 1024).toFixed(0)} KiB with Brotli`);
