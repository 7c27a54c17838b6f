package dev.berth.testing;

import dev.berth.sandbox.MountTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** This machine's mount table and disk blocks, as tests of session volumes check them. */
public final class Mounts {
  private Mounts() {}

  /** The mount points at or below {@code dir}, from {@code /proc/self/mountinfo}. */
  public static List<Path> under(Path dir) {
    return MountTable.pointsUnder(real(dir));
  }

  /** Bytes the disk holds for {@code file}: its allocated blocks, not its apparent size. */
  public static long allocatedBytes(Path file) throws IOException {
    String[] blocks = run("stat", "-c", "%b %B", file.toString()).strip().split(" ", 2);
    return Long.parseLong(blocks[0]) * Long.parseLong(blocks[1]);
  }

  /**
   * Detaches whatever a Berth killed with SIGKILL left mounted below {@code dir}, so the test's
   * temporary directory can go.
   */
  public static void detachUnder(Path dir) throws IOException {
    List<Path> points = new ArrayList<>(under(dir));
    if (points.isEmpty()) {
      return;
    }
    points.sort(Comparator.comparingInt(Path::getNameCount).reversed());
    List<String> argv = new ArrayList<>(List.of("umount", "-l"));
    points.forEach(p -> argv.add(p.toString()));
    run(argv.toArray(String[]::new));
  }

  private static Path real(Path dir) {
    try {
      return dir.toRealPath();
    } catch (IOException e) {
      Path parent = dir.toAbsolutePath().getParent();
      return parent == null ? dir : real(parent).resolve(dir.getFileName());
    }
  }

  private static String run(String... argv) throws IOException {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (p.waitFor() != 0) {
        throw new IOException(String.join(" ", argv) + " failed: " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    return out;
  }
}
