// The Files API (spec §6) through @anthropic-ai/sdk, as a user would call it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PermissionDeniedError, toFile } from '@anthropic-ai/sdk';
import {
  ID,
  REQUEST_ID,
  alpha,
  beta,
  expectApiError,
  invalid,
  limited,
  notFound,
  stranger,
  tooLarge,
  unauthenticated,
  uploadText,
} from '../lib/berth.mjs';

function upload(name = 'data.csv', text = 'a,b\n1,2\n', type = 'text/csv', api = alpha) {
  return uploadText(api, text, name, type);
}

const unknownSession = 'sesn_01' + '0'.repeat(22);

test('upload returns the file metadata', async () => {
  const before = Date.now();
  const file = await upload('data.csv', 'a,b\n1,2\n');
  assert.match(file.id, ID);
  assert.ok(file.id.startsWith('file_'));
  assert.equal(file.type, 'file');
  assert.equal(file.filename, 'data.csv');
  assert.equal(file.mime_type, 'text/csv');
  assert.equal(file.size_bytes, 8);
  assert.equal(file.downloadable, false);
  assert.equal(file.expires_at, null);
  assert.equal(file.scope, null);
  const created = Date.parse(file.created_at);
  assert.ok(file.created_at.endsWith('Z'), file.created_at);
  assert.ok(created >= before - 1000 && created <= Date.now() + 1000, file.created_at);
  assert.match(file._request_id, REQUEST_ID);
});

test('upload with expires_in_seconds sets expires_at', async () => {
  const file = await alpha.beta.files.upload({
    file: await toFile(Buffer.from('temporary'), 'tmp.txt', { type: 'text/plain' }),
    expires_in_seconds: 3600,
  });
  assert.equal(Date.parse(file.expires_at) - Date.parse(file.created_at), 3600 * 1000);
});

test('upload keeps only the last path component of the filename', async () => {
  const file = await upload('reports/2026/q1.csv');
  assert.equal(file.filename, 'q1.csv');
});

test('retrieveMetadata returns what upload returned', async () => {
  const file = await upload();
  const got = await alpha.beta.files.retrieveMetadata(file.id);
  const { _request_id: _a, ...uploaded } = file;
  const { _request_id: _b, ...retrieved } = got;
  assert.deepEqual(retrieved, uploaded);
  assert.match(got._request_id, REQUEST_ID);
  assert.notEqual(got._request_id, file._request_id);
});

test('list auto-paginates over a small limit, newest first, each file once', async () => {
  const mine = [];
  for (let i = 0; i < 5; i++) {
    mine.push((await upload(`page-${i}.txt`, `page ${i}`, 'text/plain')).id);
  }
  const seen = [];
  for await (const f of alpha.beta.files.list({ limit: 2 })) {
    seen.push(f.id);
  }
  assert.equal(new Set(seen).size, seen.length, 'a file was listed twice');
  const order = seen.filter((id) => mine.includes(id));
  assert.deepEqual(order, [...mine].reverse());
});

test('a list page has at most limit items and a next_page cursor until the end', async () => {
  await upload();
  await upload();
  let page = await alpha.beta.files.list({ limit: 1 });
  assert.equal(page.data.length, 1);
  assert.equal(typeof page.next_page, 'string');
  assert.ok(page.hasNextPage());
  let pages = 1;
  while (page.hasNextPage()) {
    page = await page.getNextPage();
    assert.ok(page.data.length <= 1);
    pages++;
  }
  assert.ok(pages >= 2);
  assert.equal(page.next_page, null);
});

test('list by ids returns exactly the named files on one page', async () => {
  const a = await upload('a.txt', 'a', 'text/plain');
  const b = await upload('b.txt', 'b', 'text/plain');
  const page = await alpha.beta.files.list({ ids: [a.id, b.id, 'file_01' + '0'.repeat(22)] });
  assert.deepEqual(page.data.map((f) => f.id).sort(), [a.id, b.id].sort());
  assert.equal(page.next_page, null);
});

test('list with the scope_id of an unknown session is empty', async () => {
  await upload();
  const page = await alpha.beta.files.list({ scope_id: unknownSession });
  assert.deepEqual(page.data, []);
  assert.equal(page.next_page, null);
  const all = [];
  for await (const f of alpha.beta.files.list({ scope_id: unknownSession, limit: 2 })) {
    all.push(f);
  }
  assert.deepEqual(all, []);
});

test('downloading an uploaded file is a 400 file_not_downloadable', async () => {
  const file = await upload();
  const err = await expectApiError(
    alpha.beta.files.download(file.id),
    ...invalid,
  );
  assert.equal(err.errorCode, 'file_not_downloadable');
  assert.equal(err.constructor.name, 'FileNotDownloadableError');
});

test('delete returns file_deleted, after which the file is gone', async () => {
  const file = await upload();
  const deleted = await alpha.beta.files.delete(file.id);
  assert.equal(deleted.id, file.id);
  assert.equal(deleted.type, 'file_deleted');
  assert.match(deleted._request_id, REQUEST_ID);
  await expectApiError(
    alpha.beta.files.retrieveMetadata(file.id),
    ...notFound,
  );
  await expectApiError(alpha.beta.files.delete(file.id), ...notFound,);
  const page = await alpha.beta.files.list({ ids: [file.id] });
  assert.deepEqual(page.data, []);
});

test('an unknown file id is a 404', async () => {
  await expectApiError(
    alpha.beta.files.retrieveMetadata('file_01' + '0'.repeat(22)),
    ...notFound,
  );
  await expectApiError(
    alpha.beta.files.retrieveMetadata('not-an-id'),
    ...notFound,
  );
});

test('a wrong API key is a 401 authentication_error', async () => {
  await expectApiError(stranger.beta.files.list(), ...unauthenticated);
  await expectApiError(upload('x.txt', 'x', 'text/plain', stranger), ...unauthenticated);
});

test("another workspace's file is a 404 and not listed", async () => {
  const file = await upload();
  await expectApiError(beta.beta.files.retrieveMetadata(file.id), ...notFound);
  await expectApiError(beta.beta.files.download(file.id), ...notFound);
  await expectApiError(beta.beta.files.delete(file.id), ...notFound);
  const listed = [];
  for await (const f of beta.beta.files.list({ limit: 100 })) {
    listed.push(f.id);
  }
  assert.ok(!listed.includes(file.id));
  const byId = await beta.beta.files.list({ ids: [file.id] });
  assert.deepEqual(byId.data, []);
  assert.equal((await alpha.beta.files.retrieveMetadata(file.id)).id, file.id);
});

test('the workspace id is echoed, accepted when it matches and a 403 when it does not', async () => {
  const { data, workspace_id } = await alpha.beta.files.list({ limit: 1 }).withResponse();
  assert.ok(Array.isArray(data.data));
  assert.match(workspace_id ?? '', ID);
  assert.ok(workspace_id.startsWith('wrkspc_'));
  const page = await alpha.beta.files.list({ limit: 1, workspace_id });
  assert.ok(Array.isArray(page.data));
  const other = await beta.beta.files.list({ limit: 1 }).withResponse();
  assert.notEqual(other.workspace_id, workspace_id);
  const err = await expectApiError(
    alpha.beta.files.list({ workspace_id: other.workspace_id }),
    PermissionDeniedError,
    403,
    'permission_error',
  );
});

test('an upload over the configured limit is a 413 request_too_large', async () => {
  const small = await upload('small.txt', 'x'.repeat(1024), 'text/plain', limited);
  assert.equal(small.size_bytes, 1024);
  await expectApiError(
    upload('big.txt', 'x'.repeat(1025), 'text/plain', limited),
    ...tooLarge,
  );
  await expectApiError(
    upload('huge.bin', 'x'.repeat(1024 * 1024), 'application/octet-stream', limited),
    ...tooLarge,
  );
});

test('limit 0 or over 1000 is a 400 invalid_request_error', async () => {
  await expectApiError(alpha.beta.files.list({ limit: 0 }), ...invalid);
  await expectApiError(alpha.beta.files.list({ limit: 1001 }), ...invalid);
});

test('a limit of 1000 is accepted', async () => {
  const page = await alpha.beta.files.list({ limit: 1000 });
  assert.ok(page.data.length <= 1000);
});
