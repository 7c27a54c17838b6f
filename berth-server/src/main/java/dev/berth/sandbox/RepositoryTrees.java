package dev.berth.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Checked-out trees of repositories: the node's cache of one tree per commit (and branch), which
 * session checkouts overlay, and the steps that make any checkout. A checkout is made in two
 * halves. On the host, {@code git clone --no-checkout} from the mirror writes only the {@code .git}
 * directory (its packs hard links to the mirror's, so it costs nothing for a large repository),
 * with the remote set to the repository's public URL (no credentials), then hands it to the user
 * commands run as. The files themselves are then written by {@code git checkout} run in a session
 * sandbox as that user ({@link #checkoutCommand}), so whatever a repository holds (links, odd
 * names) is only ever written with a sandbox's rights, inside it.
 */
public final class RepositoryTrees {
  private final Path trees;
  private final GitMirrors git;

  public RepositoryTrees(Path dataDir, GitMirrors git) {
    this.trees = dataDir.resolve("repositories").resolve("trees");
    this.git = git;
  }

  /** The cache's name for the tree of {@code fetched}. */
  public static String key(GitMirrors.Fetched fetched) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(fetched.mirror().toString().getBytes(StandardCharsets.UTF_8));
      digest.update((byte) 0);
      digest.update(fetched.commit().getBytes(StandardCharsets.UTF_8));
      digest.update((byte) 0);
      digest.update(fetched.branch().orElse("").getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest.digest(), 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The cached tree of {@code key}, if this node has made it. */
  public Optional<Path> cached(String key) {
    Path tree = trees.resolve(key);
    return Files.isDirectory(tree) ? Optional.of(tree) : Optional.empty();
  }

  /** A new, empty place to make the tree of {@code key} in, beside the cache. */
  public Path newTemporary(String key) {
    try {
      Files.createDirectories(trees);
      return Files.createTempDirectory(trees, ".new-" + key + "-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make a directory in " + trees, e);
    }
  }

  /** Removes a tree that was not finished. */
  public void discard(Path temporary) {
    if (Files.exists(temporary, LinkOption.NOFOLLOW_LINKS)) {
      NoFollow.removeTrusted(temporary);
    }
  }

  /** Moves a finished tree into the cache; the one already there wins a race. */
  public Path publish(Path temporary, String key) {
    Path tree = trees.resolve(key);
    try {
      Files.move(temporary, tree, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException raced) {
      if (!Files.isDirectory(tree)) {
        throw new UncheckedIOException("cannot publish the checkout " + tree, raced);
      }
      NoFollow.removeTrusted(temporary);
    }
    return tree;
  }

  /**
   * The host half: {@code into} (empty, or missing) becomes a repository with no files checked out
   * yet, whose {@code origin} is {@code publicUrl}, owned by {@code owner} where given, except the
   * packs it shares with the mirror.
   */
  public void prepare(
      GitMirrors.Fetched fetched, String publicUrl, Path into, OptionalInt owner, long deadline)
      throws GitMirrors.Failed {
    List<String> clone =
        new ArrayList<>(
            List.of("/usr/bin/git", "clone", "--quiet", "--no-checkout", "--template="));
    fetched.branch().ifPresent(b -> clone.addAll(List.of("--branch", b)));
    clone.addAll(List.of("--", fetched.mirror().toString(), into.toString()));
    Map<String, String> local = Map.of("protocol.file.allow", "always");
    expectSuccess(git.start(clone, local, deadline), "copying the repository's history");
    expectSuccess(
        git.start(
            List.of(
                "/usr/bin/git",
                "--git-dir=" + into.resolve(".git"),
                "config",
                "remote.origin.url",
                publicUrl),
            Map.of(),
            deadline),
        "setting the repository's remote");
    if (owner.isPresent()) {
      chown(into, owner.getAsInt());
    }
  }

  /**
   * The sandbox half: the command that checks the files out in the repository bound at {@code at},
   * leaving the branch (tracking its remote) or a detached commit checked out.
   */
  public static List<String> checkoutCommand(GitMirrors.Fetched fetched, String at) {
    if (fetched.branch().isPresent()) {
      return List.of(
          "/usr/bin/git",
          "-C",
          at,
          "checkout",
          "--quiet",
          "-B",
          fetched.branch().get(),
          fetched.commit());
    }
    return List.of(
        "/bin/sh",
        "-c",
        "git -C \"$1\" checkout --quiet --detach \"$2\" && git -C \"$1\" for-each-ref"
            + " --format='delete %(refname)' refs/heads | git -C \"$1\" update-ref --stdin",
        "sh",
        at,
        fetched.commit());
  }

  /** The environment of {@link #checkoutCommand}: no configuration but Berth's, no hooks. */
  public static Map<String, String> checkoutEnvironment() {
    return Map.ofEntries(
        Map.entry("HOME", "/tmp"),
        Map.entry("GIT_CONFIG_NOSYSTEM", "1"),
        Map.entry("GIT_CONFIG_GLOBAL", "/dev/null"),
        Map.entry("GIT_LFS_SKIP_SMUDGE", "1"),
        Map.entry("GIT_CONFIG_COUNT", "4"),
        Map.entry("GIT_CONFIG_KEY_0", "core.hooksPath"),
        Map.entry("GIT_CONFIG_VALUE_0", "/dev/null"),
        Map.entry("GIT_CONFIG_KEY_1", "protocol.allow"),
        Map.entry("GIT_CONFIG_VALUE_1", "never"),
        Map.entry("GIT_CONFIG_KEY_2", "advice.detachedHead"),
        Map.entry("GIT_CONFIG_VALUE_2", "false"),
        Map.entry("GIT_CONFIG_KEY_3", "core.fsmonitor"),
        Map.entry("GIT_CONFIG_VALUE_3", "false"));
  }

  private static void expectSuccess(GitMirrors.Outcome outcome, String what)
      throws GitMirrors.Failed {
    if (outcome.timedOut()) {
      throw new GitMirrors.Failed(
          what + " took longer than the limit (--repository-clone-timeout-ms)");
    }
    if (outcome.status() != 0) {
      throw new GitMirrors.Failed(
          what + " failed (git exited with status " + outcome.status() + ")");
    }
  }

  /**
   * Gives the new repository to {@code uid}, without following links (it holds only what git wrote,
   * no files of the repository's yet), except files it shares with the mirror.
   */
  private static void chown(Path root, int uid) {
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
                throws IOException {
              own(dir);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              if (attrs.isRegularFile()
                  && (Integer) Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS)
                      == 1) {
                own(file);
              }
              return FileVisitResult.CONTINUE;
            }

            private void own(Path p) throws IOException {
              Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
              Files.setAttribute(p, "unix:gid", uid, LinkOption.NOFOLLOW_LINKS);
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot hand " + root + " to the sandbox user", e);
    }
  }
}
