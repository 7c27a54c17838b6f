// Agent outputs (spec §6, Q10, Q30) through @anthropic-ai/sdk: a file written into a session's
// /mnt/session/outputs on the server's disk, as an agent would, is listed with the session's files
// and downloads byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ID, alpha, beta, newSession, sandboxPath } from '../lib/berth.mjs';

function writeOutput(sessionId, relative, bytes) {
  const file = sandboxPath(sessionId, path.join('mnt/session/outputs', relative));
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, bytes);
}

async function scoped(api, sessionId) {
  const files = [];
  for await (const f of api.beta.files.list({ scope_id: sessionId })) {
    files.push(f);
  }
  return files;
}

test('a file the agent writes to outputs is listed and downloads byte for byte', async () => {
  const { session } = await newSession(alpha);
  const bytes = Buffer.from('# Report\n\nAll 3 checks passed.\n');
  writeOutput(session.id, 'report.md', bytes);

  const files = await scoped(alpha, session.id);
  assert.equal(files.length, 1);
  const [file] = files;
  assert.match(file.id, ID);
  assert.equal(file.type, 'file');
  assert.equal(file.filename, 'report.md');
  assert.equal(file.mime_type, 'text/markdown');
  assert.equal(file.size_bytes, bytes.length);
  assert.equal(file.downloadable, true);
  assert.equal(file.expires_at, null);
  assert.deepEqual(file.scope, { type: 'session', id: session.id });

  const response = await alpha.beta.files.download(file.id);
  assert.equal(response.status, 200);
  assert.deepEqual(Buffer.from(await response.arrayBuffer()), bytes);

  const metadata = await alpha.beta.files.retrieveMetadata(file.id);
  assert.equal(metadata.downloadable, true);
});

test('a rewritten output keeps its id; outputs stay out of the unscoped list and other workspaces', async () => {
  const { session } = await newSession(alpha);
  writeOutput(session.id, 'nested/dir/data.json', '{"v":1}');
  const [first] = await scoped(alpha, session.id);
  assert.equal(first.filename, 'data.json');

  writeOutput(session.id, 'nested/dir/data.json', '{"v":2,"more":true}');
  const [again] = await scoped(alpha, session.id);
  assert.equal(again.id, first.id);
  assert.equal(again.size_bytes, 19);
  const response = await alpha.beta.files.download(first.id);
  assert.equal(await response.text(), '{"v":2,"more":true}');

  for await (const f of alpha.beta.files.list()) {
    assert.notEqual(f.id, first.id);
  }
  assert.deepEqual(await scoped(beta, session.id), []);
});
