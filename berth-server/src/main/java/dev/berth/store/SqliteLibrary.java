package dev.berth.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.LibraryLoaderUtil;

/**
 * SQLite's native library, unpacked once into the data directory ({@code
 * native/sqlite-jdbc-<version>/}) and loaded from there. Left to itself the driver unpacks it from
 * the jar into the temporary directory under a new name on every start and then compares the copy
 * with the original a byte at a time, a fifth of the server's start in a profile. Here each start
 * reads the library from the jar and compares it in bulk with the kept copy, which it rewrites (a
 * whole new file, renamed over the old) when they differ, so a damaged or altered copy is never
 * loaded. The driver's own search is left alone when {@code org.sqlite.lib.path} is already set (by
 * the user, or by an earlier database of this process: the library loads once per process), when
 * the jar holds no library for this platform, or when the copy cannot be written.
 */
final class SqliteLibrary {
  private static final Logger log = LoggerFactory.getLogger(SqliteLibrary.class);
  private static final String PATH = "org.sqlite.lib.path";
  private static final String NAME = "org.sqlite.lib.name";

  private SqliteLibrary() {}

  /** Points the driver at the kept copy under {@code dataDir}, made or mended first. */
  static synchronized void useCopyIn(Path dataDir) {
    if (System.getProperty(PATH) != null) {
      return;
    }
    String name = LibraryLoaderUtil.getNativeLibName();
    String resource = LibraryLoaderUtil.getNativeLibResourcePath() + "/" + name;
    Path dir = dataDir.resolve("native").resolve("sqlite-jdbc-" + SQLiteJDBCLoader.getVersion());
    try (InputStream in = SQLiteJDBCLoader.class.getResourceAsStream(resource)) {
      if (in == null) {
        return;
      }
      byte[] library = in.readAllBytes();
      Path copy = dir.resolve(name);
      if (!Arrays.equals(library, readOrEmpty(copy))) {
        Files.createDirectories(dir);
        Path part = Files.createTempFile(dir, name, ".part");
        try {
          Files.write(part, library);
          Files.move(part, copy, StandardCopyOption.ATOMIC_MOVE);
        } finally {
          Files.deleteIfExists(part);
        }
      }
    } catch (IOException e) {
      log.warn(
          "cannot keep SQLite's library in {} ({}); the driver unpacks its own", dir, e.toString());
      return;
    }
    System.setProperty(PATH, dir.toString());
    System.setProperty(NAME, name);
  }

  private static byte[] readOrEmpty(Path file) throws IOException {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return new byte[0];
    }
  }
}
