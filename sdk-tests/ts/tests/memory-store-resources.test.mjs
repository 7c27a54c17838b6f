// Memory store resources (README "Memory stores in sessions") through @anthropic-ai/sdk: a session
// created with a store answers it as BetaManagedAgentsMemoryStoreResource, sessions list by store,
// an agent's write in the mount is a version the session wrote, and the resource cannot be added
// or removed afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alpha, exec, expectApiError, invalid, newSession } from '../lib/berth.mjs';

test('a session created with a memory store answers it, lists by it, and records its writes', async () => {
  const store = await alpha.beta.memoryStores.create({ name: 'Team Notes', description: 'shared' });
  await alpha.beta.memoryStores.memories.create(store.id, { path: '/a.md', content: 'a\n' });
  const { session } = await newSession(alpha, {
    resources: [
      { type: 'memory_store', memory_store_id: store.id, instructions: 'be brief' },
      { type: 'memory_store', memory_store_id: store.id, access: 'read_only' },
    ],
  });
  assert.deepEqual(session.resources, [
    {
      type: 'memory_store',
      memory_store_id: store.id,
      access: 'read_write',
      description: 'shared',
      instructions: 'be brief',
      mount_path: '/mnt/memory/team-notes',
      name: 'Team Notes',
    },
    {
      type: 'memory_store',
      memory_store_id: store.id,
      access: 'read_only',
      description: 'shared',
      instructions: null,
      mount_path: '/mnt/memory/team-notes-2',
      name: 'Team Notes',
    },
  ]);

  const listed = [];
  for await (const s of alpha.beta.sessions.list({ memory_store_id: store.id })) {
    listed.push(s.id);
  }
  assert.deepEqual(listed, [session.id]);

  const write = await exec(session.id, ['sh', '-c', 'echo b > /mnt/memory/team-notes/a.md']);
  assert.equal(write.status, 200);
  assert.deepEqual(write.body.memory_writes_refused, []);
  const read = await exec(session.id, ['cat', '/mnt/memory/team-notes-2/a.md']);
  assert.equal(read.body.stdout, 'b\n', 'the read-only mount of the store shows it next command');
  const versions = await alpha.beta.memoryStores.memoryVersions.list(store.id, {
    session_id: session.id,
  });
  assert.equal(versions.data.length, 1);
  assert.deepEqual(versions.data[0].created_by, { type: 'session_actor', session_id: session.id });
  assert.equal(versions.data[0].operation, 'modified');

  const err = await expectApiError(
    alpha.beta.sessions.resources.add(session.id, { type: 'memory_store', memory_store_id: store.id }),
    ...invalid,
  );
  assert.match(err.error.error.message, /attached when the session is created/);
});
