// The exec extension (POST /berth/v1/sessions/{id}/exec) seen through the official SDK: a command
// in the session's sandbox reads what the SDK mounted, cannot change it, and what it writes to
// /mnt/session/outputs is listed by `files.list({ scope_id })` and downloads byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alpha, exec, newSession, uploadText } from '../lib/berth.mjs';

test('a command reads a mounted file, cannot write uploads, and its outputs download', async () => {
  const text = 'id,total\n1,42.50\n';
  const file = await uploadText(alpha, text, 'receipts.csv');
  const { session } = await newSession(alpha);
  const resource = await alpha.beta.sessions.resources.add(session.id, {
    file_id: file.id,
    type: 'file',
  });

  const cat = await exec(session.id, ['cat', resource.mount_path]);
  assert.equal(cat.status, 200, JSON.stringify(cat.body));
  assert.deepEqual(
    { exit_code: cat.body.exit_code, stdout: cat.body.stdout, truncated: cat.body.truncated },
    { exit_code: 0, stdout: text, truncated: false },
  );

  // The blob's own mode (0444, not the command's) refuses a write before the mount is asked;
  // removing the file is refused by the read-only mount itself.
  const write = await exec(session.id, ['sh', '-c', `echo x >> ${resource.mount_path}`]);
  assert.notEqual(write.body.exit_code, 0);
  assert.match(write.body.stderr, /Read-only file system|Permission denied/);
  const unlink = await exec(session.id, ['rm', '-f', resource.mount_path]);
  assert.notEqual(unlink.body.exit_code, 0);
  assert.match(unlink.body.stderr, /Read-only file system/);
  const again = await exec(session.id, ['cat', resource.mount_path]);
  assert.equal(again.body.stdout, text);

  const report = '# Totals\n\n49.75\n';
  const made = await exec(session.id, ['sh', '-c', 'cat > /mnt/session/outputs/report.md'], {
    stdin: report,
  });
  assert.equal(made.body.exit_code, 0, made.body.stderr);

  const files = await alpha.beta.files.list({ scope_id: session.id });
  const output = files.data.find((f) => f.filename === 'report.md');
  assert.ok(output, `report.md is not listed: ${JSON.stringify(files.data)}`);
  assert.equal(output.downloadable, true);
  assert.deepEqual(output.scope, { type: 'session', id: session.id });
  assert.equal(output.size_bytes, Buffer.byteLength(report));

  const download = await alpha.beta.files.download(output.id);
  assert.equal(await download.text(), report);

  await alpha.beta.sessions.resources.delete(resource.id, { session_id: session.id });
  const gone = await exec(session.id, ['ls', '/mnt/session/uploads']);
  assert.equal(gone.body.stdout, '');
});
