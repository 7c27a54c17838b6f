package dev.berth.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Stream;

/**
 * Looks for secrets in bytes a server left behind: every file under a directory (session volume
 * images, databases and logs included, read as they are, without following links) and any text.
 */
public final class SecretSearch {
  private static final int CHUNK = 1 << 20;

  private SecretSearch() {}

  /** The regular files under {@code root} that hold any of {@code secrets}. */
  public static List<Path> filesHolding(Path root, Collection<String> secrets) throws IOException {
    List<Path> holding = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file :
          files.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
        if (holds(file, secrets)) {
          holding.add(file);
        }
      }
    }
    return holding;
  }

  /** Whether {@code text} holds any of {@code secrets}. */
  public static boolean holds(String text, Collection<String> secrets) {
    return secrets.stream().anyMatch(text::contains);
  }

  /** Reads {@code file} a chunk at a time, each with the end of the one before it. */
  private static boolean holds(Path file, Collection<String> secrets) {
    int overlap = secrets.stream().mapToInt(String::length).max().orElse(1) - 1;
    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
      String carried = "";
      byte[] buffer = new byte[CHUNK];
      for (int n; (n = in.readNBytes(buffer, 0, CHUNK)) > 0; ) {
        String text = carried + new String(buffer, 0, n, StandardCharsets.ISO_8859_1);
        if (holds(text, secrets)) {
          return true;
        }
        carried = text.substring(Math.max(0, text.length() - overlap));
      }
      return false;
    } catch (NoSuchFileException gone) {
      return false; // removed while the walk ran
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}
