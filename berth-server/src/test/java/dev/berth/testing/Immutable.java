package dev.berth.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A directory made immutable on the host ({@code chattr +i}) until lifted: not even root can add,
 * remove or rename an entry in it, so whatever Berth tries to change there fails with a real I/O
 * error ({@code EPERM}). Needs root and a filesystem with the attribute (ext4, xfs, btrfs).
 */
public final class Immutable implements AutoCloseable {
  private final Path dir;
  private boolean lifted;

  private Immutable(Path dir) {
    this.dir = dir;
  }

  /** Makes {@code dir} immutable until {@link #lift} or {@link #close}. */
  public static Immutable make(Path dir) {
    chattr("+i", dir);
    return new Immutable(dir);
  }

  /** Makes the directory changeable again; once is enough. */
  public void lift() {
    if (!lifted) {
      chattr("-i", dir);
      lifted = true;
    }
  }

  @Override
  public void close() {
    lift();
  }

  private static void chattr(String flag, Path dir) {
    try {
      Process p =
          new ProcessBuilder("chattr", flag, dir.toString()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new IllegalStateException(
            "chattr "
                + flag
                + " "
                + dir
                + " failed ("
                + out.strip()
                + "); it needs root and a filesystem with the immutable attribute, such as ext4");
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run chattr (e2fsprogs)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running chattr", e);
    }
  }
}
