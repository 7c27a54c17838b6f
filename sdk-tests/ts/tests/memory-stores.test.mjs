// Memory stores, memories and memory versions (spec §7) through @anthropic-ai/sdk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ConflictError } from '@anthropic-ai/sdk';
import {
  ID,
  REQUEST_ID,
  alpha,
  beta,
  conflict,
  expectApiError,
  invalid,
  notFound,
  strip,
  unknownId,
} from '../lib/berth.mjs';

const sha256 = (text) => createHash('sha256').update(text, 'utf8').digest('hex');
const preconditionFailed = [ConflictError, 409, 'memory_precondition_failed_error'];
const pathConflict = [ConflictError, 409, 'memory_path_conflict_error'];

/** Every item of every page, as memory paths and "prefix <path>" for directories. */
async function listPaths(storeId, params = {}) {
  const out = [];
  for await (const item of alpha.beta.memoryStores.memories.list(storeId, params)) {
    out.push(item.type === 'memory_prefix' ? `prefix ${item.path}` : item.path);
  }
  return out;
}

test('a store is created, retrieved, updated, archived and deleted', async () => {
  const store = await alpha.beta.memoryStores.create({
    name: 'User Preferences',
    metadata: { user: 'u1' },
  });
  assert.match(store.id, ID);
  assert.ok(store.id.startsWith('memstore_'), store.id);
  assert.equal(store.type, 'memory_store');
  assert.equal(store.description, '');
  assert.deepEqual(store.metadata, { user: 'u1' });
  assert.equal(store.archived_at, null);
  assert.match(store._request_id, REQUEST_ID);
  assert.deepEqual(strip(await alpha.beta.memoryStores.retrieve(store.id)), strip(store));

  const updated = await alpha.beta.memoryStores.update(store.id, {
    name: 'Preferences',
    description: 'What the user likes.',
    metadata: { user: null, team: 't' },
  });
  assert.equal(updated.name, 'Preferences');
  assert.equal(updated.description, 'What the user likes.');
  assert.deepEqual(updated.metadata, { team: 't' });

  const archived = await alpha.beta.memoryStores.archive(store.id);
  assert.notEqual(archived.archived_at, null);
  assert.deepEqual(strip(await alpha.beta.memoryStores.archive(store.id)), strip(archived));
  const live = [];
  for await (const s of alpha.beta.memoryStores.list({ limit: 100 })) live.push(s.id);
  assert.ok(!live.includes(store.id));
  const all = [];
  for await (const s of alpha.beta.memoryStores.list({ include_archived: true, limit: 100 })) {
    all.push(s.id);
  }
  assert.ok(all.includes(store.id));
  await expectApiError(alpha.beta.memoryStores.update(store.id, { name: 'x' }), ...invalid);

  const deleted = await alpha.beta.memoryStores.delete(store.id);
  assert.deepEqual({ ...deleted }, { id: store.id, type: 'memory_store_deleted' });
  await expectApiError(alpha.beta.memoryStores.retrieve(store.id), ...notFound);
});

test('store names, descriptions and metadata outside their limits are refused', async () => {
  await expectApiError(alpha.beta.memoryStores.create({ name: '' }), ...invalid);
  await expectApiError(alpha.beta.memoryStores.create({ name: 'n'.repeat(256) }), ...invalid);
  await expectApiError(
    alpha.beta.memoryStores.create({ name: 'n', description: 'd'.repeat(1025) }),
    ...invalid,
  );
  const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
  await expectApiError(alpha.beta.memoryStores.create({ name: 'n', metadata: many }), ...invalid);
});

test('memories list by path prefix and depth, basic or full, page by page', async () => {
  const store = await alpha.beta.memoryStores.create({ name: 'tree' });
  for (const path of [
    '/notes/todo.md',
    '/notes/2026/jan.md',
    '/notes/2026/feb.md',
    '/notes-archive/old.md',
    '/readme.md',
  ]) {
    const content = `content of ${path}`;
    await alpha.beta.memoryStores.memories.create(store.id, { path, content });
  }
  assert.deepEqual(await listPaths(store.id, { limit: 2 }), [
    '/notes-archive/old.md',
    '/notes/2026/feb.md',
    '/notes/2026/jan.md',
    '/notes/todo.md',
    '/readme.md',
  ]);
  assert.deepEqual(await listPaths(store.id, { depth: 1, limit: 1 }), [
    'prefix /notes-archive/',
    'prefix /notes/',
    '/readme.md',
  ]);
  assert.deepEqual(await listPaths(store.id, { path_prefix: '/notes/', depth: 1 }), [
    'prefix /notes/2026/',
    '/notes/todo.md',
  ]);

  const basic = await alpha.beta.memoryStores.memories.list(store.id, {
    path_prefix: '/notes/2026/',
  });
  assert.deepEqual(
    basic.data.map((m) => m.content),
    [null, null],
  );
  assert.deepEqual(
    basic.data.map((m) => m.content_sha256),
    [sha256('content of /notes/2026/feb.md'), sha256('content of /notes/2026/jan.md')],
  );
  const full = await alpha.beta.memoryStores.memories.list(store.id, {
    path_prefix: '/notes/2026/',
    view: 'full',
  });
  assert.deepEqual(
    full.data.map((m) => m.content),
    ['content of /notes/2026/feb.md', 'content of /notes/2026/jan.md'],
  );
  assert.equal(full.next_page, null);
  await expectApiError(
    alpha.beta.memoryStores.memories.list(store.id, { path_prefix: '/notes' }),
    ...invalid,
  );
});

test('view=full pages hold at most 20 memories', async () => {
  const store = await alpha.beta.memoryStores.create({ name: 'many' });
  for (let i = 0; i < 22; i++) {
    const path = `/m${String(i).padStart(2, '0')}.md`;
    await alpha.beta.memoryStores.memories.create(store.id, { path, content: `${i}` });
  }
  const first = await alpha.beta.memoryStores.memories.list(store.id, {
    limit: 100,
    view: 'full',
  });
  assert.equal(first.data.length, 20);
  assert.ok(first.hasNextPage());
  const second = await first.getNextPage();
  assert.equal(second.data.length, 2);
  assert.equal(second.data[1].content, '21');
});

test('a stale precondition is a 409; under the current digest the update applies', async () => {
  const store = await alpha.beta.memoryStores.create({ name: 'edits' });
  const memory = await alpha.beta.memoryStores.memories.create(store.id, {
    path: '/a.md',
    content: 'one',
  });
  assert.match(memory.id, ID);
  assert.ok(memory.id.startsWith('mem_'), memory.id);
  assert.equal(memory.content, null);
  assert.equal(memory.content_sha256, sha256('one'));
  assert.equal(memory.content_size_bytes, 3);
  const read = await alpha.beta.memoryStores.memories.retrieve(memory.id, {
    memory_store_id: store.id,
  });
  assert.equal(read.content, 'one');

  const two = await alpha.beta.memoryStores.memories.update(memory.id, {
    memory_store_id: store.id,
    content: 'two',
    precondition: { type: 'content_sha256', content_sha256: memory.content_sha256 },
    view: 'full',
  });
  assert.equal(two.content, 'two');
  assert.equal(two.id, memory.id);

  const err = await expectApiError(
    alpha.beta.memoryStores.memories.update(memory.id, {
      memory_store_id: store.id,
      content: 'three',
      precondition: { type: 'content_sha256', content_sha256: memory.content_sha256 },
    }),
    ...preconditionFailed,
  );
  assert.equal(err.headers.get('x-should-retry'), 'false');
  assert.match(err.error.error.message, /retrieve the memory again/);

  const same = await alpha.beta.memoryStores.memories.update(memory.id, {
    memory_store_id: store.id,
    content: 'two',
    precondition: { type: 'content_sha256', content_sha256: memory.content_sha256 },
  });
  assert.equal(same.memory_version_id, two.memory_version_id, 'nothing changed: no new version');

  const moved = await alpha.beta.memoryStores.memories.update(memory.id, {
    memory_store_id: store.id,
    path: '/archive/a.md',
  });
  assert.equal(moved.id, memory.id);
  assert.equal(moved.path, '/archive/a.md');
});

test('a delete with a stale digest deletes nothing; with the current one it deletes', async () => {
  const store = await alpha.beta.memoryStores.create({ name: 'deletes' });
  const memory = await alpha.beta.memoryStores.memories.create(store.id, {
    path: '/a.md',
    content: 'a',
  });
  await expectApiError(
    alpha.beta.memoryStores.memories.delete(memory.id, {
      memory_store_id: store.id,
      expected_content_sha256: sha256('b'),
    }),
    ...preconditionFailed,
  );
  const deleted = await alpha.beta.memoryStores.memories.delete(memory.id, {
    memory_store_id: store.id,
    expected_content_sha256: sha256('a'),
  });
  assert.deepEqual({ ...deleted }, { id: memory.id, type: 'memory_deleted' });
  await expectApiError(
    alpha.beta.memoryStores.memories.retrieve(memory.id, { memory_store_id: store.id }),
    ...notFound,
  );
});

test('a path taken, or above or below another memory, is a path conflict naming it', async () => {
  const store = await alpha.beta.memoryStores.create({ name: 'paths' });
  const notes = await alpha.beta.memoryStores.memories.create(store.id, {
    path: '/notes',
    content: 'a file',
  });
  for (const path of ['/notes', '/notes/todo.md']) {
    const err = await expectApiError(
      alpha.beta.memoryStores.memories.create(store.id, { path, content: 'x' }),
      ...pathConflict,
    );
    assert.equal(err.error.error.conflicting_path, '/notes');
    assert.equal(err.error.error.conflicting_memory_id, notes.id);
    assert.equal(err.headers.get('x-should-retry'), 'false');
  }
  for (const path of ['notes.md', '/a//b', '/a/../b', '/e\u0301']) {
    await expectApiError(
      alpha.beta.memoryStores.memories.create(store.id, { path, content: 'x' }),
      ...invalid,
    );
  }
  await expectApiError(
    alpha.beta.memoryStores.memories.create(store.id, {
      path: '/big.md',
      content: 'x'.repeat(102401),
    }),
    ...invalid,
  );
});

test('each change is a version by the API key; old ones redact, the current one not', async () => {
  const store = await alpha.beta.memoryStores.create({ name: 'history' });
  const memory = await alpha.beta.memoryStores.memories.create(store.id, {
    path: '/secret.md',
    content: 'password=hunter2',
  });
  await alpha.beta.memoryStores.memories.update(memory.id, {
    memory_store_id: store.id,
    content: 'password=<removed>',
  });

  const versions = [];
  for await (const v of alpha.beta.memoryStores.memoryVersions.list(store.id, {
    memory_id: memory.id,
    limit: 1,
  })) {
    versions.push(v);
  }
  assert.deepEqual(
    versions.map((v) => v.operation),
    ['modified', 'created'],
  );
  const [current, created] = versions;
  assert.match(created.id, ID);
  assert.ok(created.id.startsWith('memver_'), created.id);
  assert.equal(created.id, memory.memory_version_id);
  assert.equal(created.content, null, 'lists default to the basic view');
  assert.equal(created.content_sha256, sha256('password=hunter2'));
  assert.equal(created.created_by.type, 'api_actor');
  assert.match(created.created_by.api_key_id, /^apikey_01[0-9A-Za-z]{22}$/);
  const full = await alpha.beta.memoryStores.memoryVersions.retrieve(created.id, {
    memory_store_id: store.id,
  });
  assert.equal(full.content, 'password=hunter2');
  const byKey = await alpha.beta.memoryStores.memoryVersions.list(store.id, {
    api_key_id: created.created_by.api_key_id,
  });
  assert.equal(byKey.data.length, 2);

  await expectApiError(
    alpha.beta.memoryStores.memoryVersions.redact(current.id, { memory_store_id: store.id }),
    ...conflict,
  );
  const redacted = await alpha.beta.memoryStores.memoryVersions.redact(created.id, {
    memory_store_id: store.id,
  });
  assert.notEqual(redacted.redacted_at, null);
  assert.deepEqual(redacted.redacted_by, created.created_by);
  assert.equal(redacted.path, null);
  assert.equal(redacted.content, null);
  assert.equal(redacted.content_sha256, null);
  assert.equal(redacted.content_size_bytes, null);
  assert.equal(redacted.operation, 'created');
  assert.deepEqual(
    strip(
      await alpha.beta.memoryStores.memoryVersions.retrieve(created.id, {
        memory_store_id: store.id,
      }),
    ),
    strip(redacted),
  );
});

test('an archived store refuses memory writes but serves reads and deletes', async () => {
  const store = await alpha.beta.memoryStores.create({ name: 'closed' });
  const memory = await alpha.beta.memoryStores.memories.create(store.id, {
    path: '/a.md',
    content: 'a',
  });
  await alpha.beta.memoryStores.archive(store.id);
  await expectApiError(
    alpha.beta.memoryStores.memories.create(store.id, { path: '/b.md', content: 'b' }),
    ...invalid,
  );
  await expectApiError(
    alpha.beta.memoryStores.memories.update(memory.id, {
      memory_store_id: store.id,
      content: 'changed',
    }),
    ...invalid,
  );
  const read = await alpha.beta.memoryStores.memories.retrieve(memory.id, {
    memory_store_id: store.id,
  });
  assert.equal(read.content, 'a');
  await alpha.beta.memoryStores.memories.delete(memory.id, { memory_store_id: store.id });
});

test("another workspace's stores, memories and versions are not found", async () => {
  const store = await alpha.beta.memoryStores.create({ name: 'private' });
  const memory = await alpha.beta.memoryStores.memories.create(store.id, {
    path: '/a.md',
    content: 'a',
  });
  const params = { memory_store_id: store.id };
  for (const call of [
    () => beta.beta.memoryStores.retrieve(store.id),
    () => beta.beta.memoryStores.archive(store.id),
    () => beta.beta.memoryStores.memories.list(store.id),
    () => beta.beta.memoryStores.memories.retrieve(memory.id, params),
    () => beta.beta.memoryStores.memories.create(store.id, { path: '/b.md', content: 'b' }),
    () => beta.beta.memoryStores.memoryVersions.list(store.id),
    () => beta.beta.memoryStores.memoryVersions.redact(memory.memory_version_id, params),
    () => beta.beta.memoryStores.delete(store.id),
    () => alpha.beta.memoryStores.retrieve(unknownId('memstore')),
  ]) {
    await expectApiError(call(), ...notFound);
  }
  assert.equal((await alpha.beta.memoryStores.retrieve(store.id)).archived_at, null);
});
