package dev.berth.sandbox;

/**
 * A regular file under a session's {@code /mnt/session/outputs}, as lstat saw it.
 *
 * @param path relative to outputs, segments joined by {@code /}
 * @param size in bytes
 * @param mtimeNanos last modification, nanoseconds since the epoch
 * @param inode the file's identity on its filesystem (device and inode number)
 */
public record OutputFile(String path, long size, long mtimeNanos, String inode) {

  /** Reads an output file's bytes; the stream ends where the file does. */
  public interface Reader<T> {
    T read(java.io.InputStream bytes) throws java.io.IOException;
  }

  /** The last segment of the path. */
  public String name() {
    return path.substring(path.lastIndexOf('/') + 1);
  }
}
