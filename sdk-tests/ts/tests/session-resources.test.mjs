// Session resources (spec §2) through @anthropic-ai/sdk: a mounted file's bytes appear in the
// session's sandbox on the server's disk and disappear again when the resource is deleted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import {
  ID,
  REQUEST_ID,
  alpha,
  beta,
  conflict,
  countingClient,
  expectApiError,
  invalid,
  limited,
  newSession,
  notFound,
  sandboxPath,
  stranger,
  strip,
  tooLarge,
  unauthenticated,
  unknownId,
  uploadText,
} from '../lib/berth.mjs';

test('add mounts a session copy of the file; delete removes it from the sandbox', async () => {
  const text = 'id,total\n1,42.50\n2,7.25\n';
  const file = await uploadText(alpha, text, 'receipts.csv');
  const { session } = await newSession(alpha);

  const resource = await alpha.beta.sessions.resources.add(session.id, {
    file_id: file.id,
    type: 'file',
  });
  assert.match(resource.id, ID);
  assert.ok(resource.id.startsWith('sesrsc_'), resource.id);
  assert.equal(resource.type, 'file');
  assert.match(resource.file_id, ID);
  assert.notEqual(resource.file_id, file.id, 'the resource names the session copy');
  assert.equal(resource.mount_path, `/mnt/session/uploads/${file.id}`);
  assert.equal(resource.created_at, resource.updated_at);
  assert.match(resource._request_id, REQUEST_ID);

  const onDisk = sandboxPath(session.id, resource.mount_path);
  assert.equal(readFileSync(onDisk, 'utf8'), text);

  const copies = await alpha.beta.files.list({ scope_id: session.id });
  const copy = copies.data.find((f) => f.id === resource.file_id);
  assert.ok(copy, 'the copy is listed under the session scope');
  assert.deepEqual(copy.scope, { type: 'session', id: session.id });
  assert.equal(copy.downloadable, false);
  assert.equal(copy.filename, 'receipts.csv');
  assert.equal(copy.size_bytes, Buffer.byteLength(text));

  const deleted = await alpha.beta.sessions.resources.delete(resource.id, {
    session_id: session.id,
  });
  assert.deepEqual({ ...deleted }, { id: resource.id, type: 'session_resource_deleted' });
  assert.equal(existsSync(onDisk), false, `${onDisk} is still there`);
  await expectApiError(
    alpha.beta.sessions.resources.retrieve(resource.id, { session_id: session.id }),
    ...notFound,
  );
  await expectApiError(
    alpha.beta.sessions.resources.delete(resource.id, { session_id: session.id }),
    ...notFound,
  );
  const after = await alpha.beta.files.list({ scope_id: session.id });
  assert.ok(!after.data.some((f) => f.id === resource.file_id), 'the copy is gone');
  assert.equal((await alpha.beta.files.retrieveMetadata(file.id)).id, file.id, 'original kept');
});

test('a given mount_path is placed under /mnt/session/uploads unless already under it', async () => {
  const file = await uploadText(alpha, 'x,y\n');
  const { session } = await newSession(alpha);
  const placed = await alpha.beta.sessions.resources.add(session.id, {
    type: 'file',
    file_id: file.id,
    mount_path: '/data/in.csv',
  });
  assert.equal(placed.mount_path, '/mnt/session/uploads/data/in.csv');
  const kept = await alpha.beta.sessions.resources.add(session.id, {
    type: 'file',
    file_id: file.id,
    mount_path: '/mnt/session/uploads/other.csv',
  });
  assert.equal(kept.mount_path, '/mnt/session/uploads/other.csv');
  for (const r of [placed, kept]) {
    assert.equal(readFileSync(sandboxPath(session.id, r.mount_path), 'utf8'), 'x,y\n');
  }
});

test('list auto-paginates over a small limit in attach order; retrieve returns each', async () => {
  const { session } = await newSession(alpha);
  const added = [];
  for (let i = 0; i < 5; i++) {
    const file = await uploadText(alpha, `row ${i}\n`, `f${i}.txt`, 'text/plain');
    added.push(
      await alpha.beta.sessions.resources.add(session.id, { file_id: file.id, type: 'file' }),
    );
  }
  const first = await alpha.beta.sessions.resources.list(session.id, { limit: 2 });
  assert.equal(first.data.length, 2);
  assert.equal(typeof first.next_page, 'string');
  const seen = [];
  for await (const r of alpha.beta.sessions.resources.list(session.id, { limit: 2 })) {
    seen.push(r);
  }
  assert.deepEqual(seen, added.map(strip));
  for (const r of added) {
    const got = await alpha.beta.sessions.resources.retrieve(r.id, { session_id: session.id });
    assert.deepEqual(strip(got), strip(r));
  }
});

test('updating a file resource (authorization_token) is a 400', async () => {
  const file = await uploadText(alpha);
  const { session } = await newSession(alpha);
  const r = await alpha.beta.sessions.resources.add(session.id, { file_id: file.id, type: 'file' });
  await expectApiError(
    alpha.beta.sessions.resources.update(r.id, {
      session_id: session.id,
      authorization_token: 'ghp_exampletoken',
    }),
    ...invalid,
  );
  await expectApiError(
    alpha.beta.sessions.resources.update(unknownId('sesrsc'), {
      session_id: session.id,
      authorization_token: 'ghp_exampletoken',
    }),
    ...notFound,
  );
});

test('the same or an overlapping mount path is a 409 the SDK does not retry', async () => {
  const file = await uploadText(alpha);
  const { session } = await newSession(alpha);
  await alpha.beta.sessions.resources.add(session.id, {
    file_id: file.id,
    type: 'file',
    mount_path: '/data/in.csv',
  });
  const { api, requests } = countingClient();
  for (const mount_path of ['/data/in.csv', '/data/in.csv/inner', '/data']) {
    const before = requests.count;
    const err = await expectApiError(
      api.beta.sessions.resources.add(session.id, { file_id: file.id, type: 'file', mount_path }),
      ...conflict,
    );
    assert.equal(err.headers.get('x-should-retry'), 'false');
    assert.equal(requests.count - before, 1, `${mount_path}: the 409 was retried`);
  }
  const all = [];
  for await (const r of alpha.beta.sessions.resources.list(session.id)) {
    all.push(r);
  }
  assert.equal(all.length, 1);
});

test('invalid mount paths, a wrong type and missing file_id are 400s', async () => {
  const file = await uploadText(alpha);
  const { session } = await newSession(alpha);
  for (const mount_path of [
    'relative.csv',
    '/a/../b',
    '/a//b',
    '/dir/',
    '/a/./b',
    '/nul\u0000',
    '',
  ]) {
    await expectApiError(
      alpha.beta.sessions.resources.add(session.id, { file_id: file.id, type: 'file', mount_path }),
      ...invalid,
    );
  }
  await expectApiError(
    alpha.beta.sessions.resources.add(session.id, {
      type: 'github_repository',
      url: 'https://github.com/o/r',
    }),
    ...invalid,
  );
  await expectApiError(
    alpha.beta.sessions.resources.add(session.id, { type: 'memory_store', memory_store_id: 'm' }),
    ...invalid,
  );
  await expectApiError(alpha.beta.sessions.resources.add(session.id, { type: 'file' }), ...invalid);
  const listed = await alpha.beta.sessions.resources.list(session.id);
  assert.deepEqual(listed.data, []);
});

test('more than 100 file resources in a session is a 400', async () => {
  const file = await uploadText(alpha, 'x');
  const resources = Array.from({ length: 100 }, (_, i) => ({
    type: 'file',
    file_id: file.id,
    mount_path: `/many/${i}.txt`,
  }));
  const { session } = await newSession(alpha, { resources });
  assert.equal(session.resources.length, 100);
  await expectApiError(
    alpha.beta.sessions.resources.add(session.id, { file_id: file.id, type: 'file' }),
    ...invalid,
  );
  const first = session.resources[0];
  await alpha.beta.sessions.resources.delete(first.id, { session_id: session.id });
  const again = await alpha.beta.sessions.resources.add(session.id, {
    file_id: file.id,
    type: 'file',
  });
  assert.equal(again.mount_path, `/mnt/session/uploads/${file.id}`);
});

test('resources of an archived session can be read but not added or deleted', async () => {
  const file = await uploadText(alpha);
  const { session } = await newSession(alpha);
  const r = await alpha.beta.sessions.resources.add(session.id, { file_id: file.id, type: 'file' });
  await alpha.beta.sessions.archive(session.id);
  await expectApiError(
    alpha.beta.sessions.resources.add(session.id, {
      file_id: file.id,
      type: 'file',
      mount_path: '/b',
    }),
    ...invalid,
  );
  await expectApiError(
    alpha.beta.sessions.resources.delete(r.id, { session_id: session.id }),
    ...invalid,
  );
  await expectApiError(
    alpha.beta.sessions.resources.update(r.id, {
      session_id: session.id,
      authorization_token: 't',
    }),
    ...invalid,
  );
  const got = await alpha.beta.sessions.resources.retrieve(r.id, { session_id: session.id });
  assert.equal(got.id, r.id);
  const page = await alpha.beta.sessions.resources.list(session.id);
  assert.deepEqual(
    page.data.map((x) => x.id),
    [r.id],
  );
  assert.ok(existsSync(sandboxPath(session.id, r.mount_path)));
});

test('unknown sessions, files and resources are 404s', async () => {
  const file = await uploadText(alpha);
  const { session } = await newSession(alpha);
  const missing = unknownId('sesn');
  await expectApiError(
    alpha.beta.sessions.resources.add(missing, { file_id: file.id, type: 'file' }),
    ...notFound,
  );
  await expectApiError(alpha.beta.sessions.resources.list(missing), ...notFound);
  await expectApiError(
    alpha.beta.sessions.resources.add(session.id, { file_id: unknownId('file'), type: 'file' }),
    ...notFound,
  );
  await expectApiError(
    alpha.beta.sessions.resources.retrieve(unknownId('sesrsc'), { session_id: session.id }),
    ...notFound,
  );
  await expectApiError(
    alpha.beta.sessions.resources.delete(unknownId('sesrsc'), { session_id: session.id }),
    ...notFound,
  );
  // A resource of one session is not reachable through another.
  const r = await alpha.beta.sessions.resources.add(session.id, { file_id: file.id, type: 'file' });
  const { session: other } = await newSession(alpha);
  await expectApiError(
    alpha.beta.sessions.resources.retrieve(r.id, { session_id: other.id }),
    ...notFound,
  );
  await expectApiError(
    alpha.beta.sessions.resources.delete(r.id, { session_id: other.id }),
    ...notFound,
  );
});

test("another workspace's sessions, files and resources are 404s", async () => {
  const file = await uploadText(alpha);
  const { session } = await newSession(alpha);
  const r = await alpha.beta.sessions.resources.add(session.id, { file_id: file.id, type: 'file' });
  const theirFile = await uploadText(beta);
  const { session: theirs } = await newSession(beta);

  await expectApiError(
    beta.beta.sessions.resources.add(session.id, { file_id: theirFile.id, type: 'file' }),
    ...notFound,
  );
  await expectApiError(
    beta.beta.sessions.resources.add(theirs.id, { file_id: file.id, type: 'file' }),
    ...notFound,
  );
  await expectApiError(
    alpha.beta.sessions.resources.add(session.id, {
      file_id: theirFile.id,
      type: 'file',
      mount_path: '/t',
    }),
    ...notFound,
  );
  await expectApiError(beta.beta.sessions.resources.list(session.id), ...notFound);
  await expectApiError(
    beta.beta.sessions.resources.retrieve(r.id, { session_id: session.id }),
    ...notFound,
  );
  await expectApiError(
    beta.beta.sessions.resources.delete(r.id, { session_id: session.id }),
    ...notFound,
  );
  assert.ok(existsSync(sandboxPath(session.id, r.mount_path)));
});

test('a wrong API key is a 401 on every resource endpoint', async () => {
  const s = unknownId('sesn');
  const r = unknownId('sesrsc');
  await expectApiError(
    stranger.beta.sessions.resources.add(s, { file_id: unknownId('file'), type: 'file' }),
    ...unauthenticated,
  );
  await expectApiError(stranger.beta.sessions.resources.list(s), ...unauthenticated);
  await expectApiError(
    stranger.beta.sessions.resources.retrieve(r, { session_id: s }),
    ...unauthenticated,
  );
  await expectApiError(
    stranger.beta.sessions.resources.update(r, { session_id: s, authorization_token: 't' }),
    ...unauthenticated,
  );
  await expectApiError(
    stranger.beta.sessions.resources.delete(r, { session_id: s }),
    ...unauthenticated,
  );
});

test('a mount_path over 4096 bytes is a 400; a body over the JSON limit is a 413', async () => {
  const file = await uploadText(alpha);
  const { session } = await newSession(alpha);
  await expectApiError(
    alpha.beta.sessions.resources.add(session.id, {
      file_id: file.id,
      type: 'file',
      mount_path: '/' + 'a'.repeat(4096),
    }),
    ...invalid,
  );
  const small = await uploadText(limited, 'x', 'x.txt', 'text/plain');
  const { session: s } = await newSession(limited);
  await expectApiError(
    limited.beta.sessions.resources.add(s.id, {
      file_id: small.id,
      type: 'file',
      mount_path: '/' + 'a'.repeat(5000),
    }),
    ...tooLarge,
  );
  const page = await limited.beta.sessions.resources.list(s.id);
  assert.deepEqual(page.data, []);
});
