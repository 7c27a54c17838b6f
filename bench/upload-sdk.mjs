// Uploads files through the official TypeScript SDK, all at once, and prints the wall time.
// Used by bench/upload.sh; the SDK is the one sdk-tests/ts pins (npm ci there first).
//
//   node bench/upload-sdk.mjs BASE_URL API_KEY FILE...
//
// Prints one line: "<seconds> <file_id> <file_id> ...". The time runs from just before the first
// upload call to the last response, so it leaves out starting node and loading the SDK but keeps
// everything the SDK does for an upload.
//
// Each file is given as a File over fs.openAsBlob, which the SDK sends as it reads it from disk.
// (Given fs.createReadStream, a Buffer or toFile() of either, the SDK first builds the whole file
// in memory, several copies of it: a cost of the client, not of the server.)
//
// Each upload is made with the request option fetchOptions: { redirect: 'error' }. Without it,
// Node's fetch (undici) clones the request before sending it, in case it has to follow a redirect:
// it tees the body, copies every chunk for the copy it sends, and keeps the other branch, never
// read, in memory until the response: the whole file ends up in the client's memory, and the
// copy and its garbage collection cost the client a fifth to a third more CPU per byte (on
// Node 20, whose fetch is undici 6). With 'error' it sends the body as
// is (https://fetch.spec.whatwg.org/#http-network-or-cache-fetch, step 8.1); a redirect, which
// Berth never answers to an upload, would fail the call instead of being followed.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [baseURL, apiKey, ...files] = process.argv.slice(2);
if (!baseURL || !apiKey || files.length === 0) {
  console.error('usage: node bench/upload-sdk.mjs BASE_URL API_KEY FILE...');
  process.exit(2);
}
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const sdk = path.join(root, 'sdk-tests/ts/node_modules/@anthropic-ai/sdk/index.mjs');
const { default: Anthropic } = await import(pathToFileURL(sdk).href);

const client = new Anthropic({ apiKey, baseURL, maxRetries: 0, timeout: 600_000 });
const start = process.hrtime.bigint();
const uploaded = await Promise.all(
  files.map(async (file) =>
    client.beta.files.upload(
      {
        file: new File([await fs.openAsBlob(file)], path.basename(file), {
          type: 'application/octet-stream',
        }),
      },
      { fetchOptions: { redirect: 'error' } },
    ),
  ),
);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
for (const [i, file] of uploaded.entries()) {
  const expected = fs.statSync(files[i]).size;
  if (file.size_bytes !== expected) {
    throw new Error(`${files[i]}: server says ${file.size_bytes} bytes, expected ${expected}`);
  }
}
console.log([seconds.toFixed(4), ...uploaded.map((f) => f.id)].join(' '));
