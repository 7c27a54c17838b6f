package dev.berth.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One upload written past the page cache: the bytes handed to {@link #write} are gathered into
 * aligned direct buffers of {@link DirectBuffers#SIZE}, which a second thread writes in order while
 * the next fill, from where the channel stands. The last is padded with zeros to a whole block, so
 * the file ends up to a block longer than the upload until its owner cuts it ({@link
 * FileChannel#truncate}).
 */
final class DirectWrites implements AutoCloseable {
  private final DirectBuffers buffers;
  private final FileChannel channel;
  private final BufferPipe writing;
  private final List<ByteBuffer> made = new ArrayList<>(); // touched by the caller's thread only
  private @Nullable ByteBuffer filling;

  DirectWrites(DirectBuffers buffers, FileChannel channel) {
    this.buffers = buffers;
    this.channel = channel;
    this.writing =
        new BufferPipe("writing", DirectBuffers.PER_UPLOAD, this::newBuffer, this::writeOut);
  }

  /** Copies {@code chunk}'s bytes (position to limit) to be written, leaving its position. */
  void write(ByteBuffer chunk) throws IOException {
    int from = chunk.position();
    while (from < chunk.limit()) {
      if (filling == null) {
        filling = writing.freeBuffer();
      }
      int n = Math.min(chunk.limit() - from, filling.remaining());
      filling.put(filling.position(), chunk, from, n);
      filling.position(filling.position() + n);
      from += n;
      if (!filling.hasRemaining()) {
        writing.put(filling.flip());
        filling = null;
      }
    }
  }

  /** Writes what is left, padded to a whole block, and waits until every write is done. */
  void finish() throws IOException {
    if (filling != null && filling.position() > 0) {
      int end = filling.position();
      int padded = (end + buffers.alignment() - 1) / buffers.alignment() * buffers.alignment();
      filling.put(end, new byte[padded - end]).position(padded);
      writing.put(filling.flip());
      filling = null;
    }
    writing.finish();
  }

  private ByteBuffer newBuffer() {
    ByteBuffer buf = buffers.take();
    made.add(buf);
    return buf;
  }

  private void writeOut(ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      channel.write(buf);
    }
  }

  /**
   * Stops the writing thread if it still runs, ends this upload's hold on the buffers (kept for the
   * next uploads once that thread is done with them), and closes the channel.
   */
  @Override
  public void close() throws IOException {
    try (channel) {
      buffers.giveBack(made, writing.stop());
    }
  }
}
