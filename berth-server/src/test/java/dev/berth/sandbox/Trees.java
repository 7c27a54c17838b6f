package dev.berth.sandbox;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/** Fake blobs and tree inspection for the sandbox tests. */
final class Trees {
  private Trees() {}

  /** Where a blob lives in {@code dataDir}, laid out as the blob store does. */
  static Path blobPath(Path dataDir, String sha256) {
    return dataDir.resolve("blobs").resolve(sha256.substring(0, 2)).resolve(sha256);
  }

  /** Writes a read-only blob holding {@code content} and returns its digest. */
  static String blob(Path dataDir, String content) throws IOException {
    String sha = sha256(content.getBytes(UTF_8));
    Path path = blobPath(dataDir, sha);
    Files.createDirectories(path.getParent());
    Files.writeString(path, content);
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("r--r--r--"));
    return sha;
  }

  /** Everything observable about a tree without following links: type, inode, times, bytes. */
  static Map<String, String> snapshot(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (var walk = Files.walk(root)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        var a = Files.readAttributes(p, PosixFileAttributes.class, NOFOLLOW_LINKS);
        String what =
            a.isSymbolicLink()
                ? "link " + Files.readSymbolicLink(p)
                : a.isDirectory() ? "dir" : "file " + sha256(Files.readAllBytes(p));
        out.put(
            root.relativize(p).toString(),
            String.join(
                " ",
                what,
                PosixFilePermissions.toString(a.permissions()),
                String.valueOf(a.fileKey()),
                String.valueOf(Files.getAttribute(p, "unix:nlink", NOFOLLOW_LINKS)),
                a.lastModifiedTime().toString(),
                String.valueOf(Files.getAttribute(p, "unix:ctime", NOFOLLOW_LINKS))));
      }
    }
    return out;
  }

  /** Relative path to "dir" or the file's content, for a tree without links. */
  static Map<String, String> contents(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (var walk = Files.walk(root)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        if (!p.equals(root)) {
          out.put(
              root.relativize(p).toString(), Files.isDirectory(p) ? "dir" : Files.readString(p));
        }
      }
    }
    return out;
  }

  static Object fileKey(Path p) throws IOException {
    return Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW_LINKS).fileKey();
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  static void deleteRecursively(Path root) throws IOException {
    try (var walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
