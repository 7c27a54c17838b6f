package dev.berth.junit5;

import dev.berth.Berth;
import dev.berth.cli.ServeCommand;
import dev.berth.config.BerthConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A Berth on the embedded default (SQLite and local blobs) in a new temporary directory, listening
 * on a free port of the loopback address; closing it stops the server and removes the directory.
 */
final class RunningBerth implements AutoCloseable {
  private final Berth berth;
  private final BerthServer server;

  private RunningBerth(Berth berth, BerthServer server) {
    this.berth = berth;
    this.server = server;
  }

  static RunningBerth start() {
    Path dataDir;
    try {
      dataDir = Files.createTempDirectory("berth-junit5-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make a data directory for Berth", e);
    }
    BerthConfig config =
        ServeCommand.config(List.of("--data-dir", dataDir.toString(), "--port", "0"), Map.of());
    Berth berth;
    try {
      berth = Berth.start(config);
    } catch (RuntimeException | Error e) { // an Error too: a library missing from the classpath
      try {
        remove(dataDir);
      } catch (UncheckedIOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    // a new data directory has no key yet, so the server makes one for workspace "default"
    String key =
        berth
            .generatedKey()
            .orElseThrow(() -> new IllegalStateException("Berth made no API key in " + dataDir));
    return new RunningBerth(
        berth, new BerthServer("http://" + config.host() + ":" + berth.port(), key, dataDir));
  }

  BerthServer server() {
    return server;
  }

  /** Stops the server (its threads, mounts and control groups go with it), then its directory. */
  @Override
  public void close() {
    RuntimeException failure = null;
    try {
      berth.close();
    } catch (RuntimeException e) {
      failure = e;
    }
    try {
      remove(server.dataDir());
    } catch (UncheckedIOException e) {
      if (failure == null) {
        failure = e;
      } else {
        failure.addSuppressed(e);
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /**
   * Removes {@code dir} and everything in it, never following a link and never entering another
   * filesystem (a session's volume the server failed to unmount is left, and said), making each
   * directory writable first: a command in a sandbox may have left one read-only, or unreadable.
   */
  private static void remove(Path dir) {
    try {
      Files.walkFileTree(dir, new Remover(device(dir)));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot remove Berth's data directory " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The device holding {@code path} itself (a link is not followed). */
  private static Object device(Path path) throws IOException {
    return Files.getAttribute(path, "unix:dev", LinkOption.NOFOLLOW_LINKS);
  }

  private static final class Remover extends SimpleFileVisitor<Path> {
    private static final Set<PosixFilePermission> OWNER_ALL =
        PosixFilePermissions.fromString("rwx------");
    private final Set<Path> opened = new HashSet<>();
    private final Object device;

    Remover(Object device) {
      this.device = device;
    }

    @Override
    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
        throws IOException {
      if (!device.equals(device(dir))) {
        throw new IOException(dir + " is still a mount point; it and what holds it were left");
      }
      if (!Files.isWritable(dir) || !Files.isExecutable(dir)) {
        Files.setPosixFilePermissions(dir, OWNER_ALL);
      }
      return FileVisitResult.CONTINUE;
    }

    @Override
    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
      Files.delete(file);
      return FileVisitResult.CONTINUE;
    }

    @Override
    public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
      if (!(e instanceof AccessDeniedException) || !opened.add(file)) {
        throw e;
      }
      // a directory that may not be listed: allowed, it is walked again (once)
      Files.setPosixFilePermissions(file, OWNER_ALL);
      Files.walkFileTree(file, this);
      return FileVisitResult.CONTINUE;
    }

    @Override
    public FileVisitResult postVisitDirectory(Path dir, @Nullable IOException e)
        throws IOException {
      if (e != null) {
        throw e;
      }
      Files.delete(dir);
      return FileVisitResult.CONTINUE;
    }
  }
}
