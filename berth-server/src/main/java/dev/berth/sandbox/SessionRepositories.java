package dev.berth.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;

/**
 * The checkouts of one node's sessions, each in its own directory, {@code repos/<resource id>}: on
 * the session's volume where it has one (so a checkout counts against its disk quota), else in its
 * tree. Called by {@link LocalSandboxHost} with the session's lock held.
 *
 * <p>A checkout is either an overlay or a copy. An <b>overlay</b> mounts the node's cached tree of
 * the commit ({@link RepositoryTrees}) read-only below {@code upper}, where everything the session
 * changes is written, at {@code <tree>/repos/<id>}; a file of the checkout's size is allocated
 * beside it, so the checkout counts against the quota as a copy would, and it costs the same for
 * any repository. A <b>copy</b> is a checkout of its own at {@code repos/<id>/tree}. Either is
 * ready once its {@code ready} file exists; an overlay's {@code lower} file names the tree it
 * overlays, so it can be mounted again after the node restarts.
 */
final class SessionRepositories {
  private static final String MOUNT = "/usr/bin/mount";

  private final Path sandboxes;
  private final SessionVolumes volumes;

  SessionRepositories(Path sandboxes, SessionVolumes volumes) {
    this.sandboxes = sandboxes;
    this.volumes = volumes;
  }

  /**
   * Whether an overlay can be mounted here: mounts and unmounts one in a new directory below {@code
   * dir}, which is left as it was.
   *
   * @throws IOException saying why not
   */
  static boolean probe(Path dir) throws IOException {
    Path root = Files.createTempDirectory(dir, "overlay-probe-");
    try {
      for (String d : List.of("lower", "upper", "work", "merged")) {
        Files.createDirectory(root.resolve(d));
      }
      Path merged = root.resolve("merged");
      mountOverlay(root.resolve("lower"), root, merged, "");
      SessionVolumes.unmount(List.of(merged));
      return true;
    } finally {
      NoFollow.removeTrusted(root);
    }
  }

  /** The directory holding the session's checkouts' own data. */
  Path area(String sessionId) {
    return volumes.attached(sessionId)
        ? volumes.root(sessionId).resolve("repos")
        : sandboxes.resolve(sessionId).resolve("repos-data");
  }

  /** Where an overlay checkout is mounted (never reachable from a sandbox but through a bind). */
  private Path mountPoint(String sessionId, String resourceId) {
    return sandboxes.resolve(sessionId).resolve("repos").resolve(resourceId);
  }

  /** A fresh place for a copy checkout to be made in, emptied of any earlier attempt. */
  Path newCopy(String sessionId, String resourceId, OptionalInt owner) throws IOException {
    Path dir = area(sessionId).resolve(resourceId);
    if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      NoFollow.removeTrusted(dir);
    }
    Files.createDirectories(dir.resolve("tree"));
    if (owner.isPresent()) {
      Files.setAttribute(dir.resolve("tree"), "unix:uid", owner.getAsInt());
      Files.setAttribute(dir.resolve("tree"), "unix:gid", owner.getAsInt());
    }
    return dir.resolve("tree");
  }

  /** Marks a copy checkout made in {@link #newCopy} ready. */
  void copied(String sessionId, String resourceId) throws IOException {
    Files.writeString(area(sessionId).resolve(resourceId).resolve("ready"), "copy\n");
  }

  /**
   * Mounts {@code lower} as the session's checkout, with a fresh upper layer and {@code bytes}
   * allocated against the quota.
   *
   * @throws IOException if the volume cannot hold {@code bytes} more, or the mount fails
   */
  void overlay(String sessionId, String resourceId, Path lower, long bytes, OptionalInt owner)
      throws IOException {
    Path dir = area(sessionId).resolve(resourceId);
    unmountIfMounted(sessionId, resourceId);
    if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      NoFollow.removeTrusted(dir);
    }
    Files.createDirectories(dir.resolve("upper"));
    Files.createDirectories(dir.resolve("work"));
    if (owner.isPresent()) {
      Files.setAttribute(dir.resolve("upper"), "unix:uid", owner.getAsInt());
      Files.setAttribute(dir.resolve("upper"), "unix:gid", owner.getAsInt());
    }
    if (bytes > 0) {
      SessionVolumes.run(
          List.of(
              "/usr/bin/fallocate",
              "-l",
              Long.toString(bytes),
              dir.resolve("reserved").toString()));
    }
    Files.writeString(dir.resolve("lower"), lower.toString(), StandardCharsets.UTF_8);
    mount(sessionId, resourceId, lower, dir);
    Files.writeString(dir.resolve("ready"), "overlay\n");
  }

  private void mount(String sessionId, String resourceId, Path lower, Path dir) throws IOException {
    Path target = mountPoint(sessionId, resourceId);
    Files.createDirectories(target);
    mountOverlay(lower, dir, target, ",nosuid,nodev");
  }

  /**
   * Mounts {@code lower} below {@code dir}'s {@code upper} (with its {@code work}) at {@code
   * target}.
   */
  private static void mountOverlay(Path lower, Path dir, Path target, String options)
      throws IOException {
    SessionVolumes.run(
        List.of(
            MOUNT,
            "-t",
            "overlay",
            "overlay",
            "-o",
            "lowerdir="
                + lower
                + ",upperdir="
                + dir.resolve("upper")
                + ",workdir="
                + dir.resolve("work")
                + options,
            target.toString()));
  }

  /**
   * What a command binds at the checkout's mount path, when it is ready: the overlay's mount (made
   * again if the node restarted and its cached tree is still there) or the copy.
   */
  Optional<Path> source(String sessionId, String resourceId) throws IOException {
    Path dir = area(sessionId).resolve(resourceId);
    Path ready = dir.resolve("ready");
    if (!Files.isRegularFile(ready, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    if (Files.readString(ready).strip().equals("copy")) {
      return Optional.of(dir.resolve("tree"));
    }
    Path target = mountPoint(sessionId, resourceId);
    if (MountTable.pointsUnder(sandboxes.resolve(sessionId)).contains(target)) {
      return Optional.of(target);
    }
    Path lower = Path.of(Files.readString(dir.resolve("lower"), StandardCharsets.UTF_8));
    if (!Files.isDirectory(lower)) {
      return Optional.empty(); // the cached tree is gone: checked out again
    }
    mount(sessionId, resourceId, lower, dir);
    return Optional.of(target);
  }

  /** Takes the checkout out of the session: its mount, its layers or copy, its reservation. */
  void remove(String sessionId, String resourceId) throws IOException {
    unmountIfMounted(sessionId, resourceId);
    for (Path p : List.of(mountPoint(sessionId, resourceId), area(sessionId).resolve(resourceId))) {
      if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        NoFollow.removeTrusted(p);
      }
    }
  }

  /** The resources with a checkout (ready or not) in the session. */
  Set<String> onDisk(String sessionId) throws IOException {
    Set<String> ids = new TreeSet<>();
    for (Path dir : List.of(area(sessionId), sandboxes.resolve(sessionId).resolve("repos"))) {
      if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        try (var entries = Files.newDirectoryStream(dir)) {
          entries.forEach(e -> ids.add(e.getFileName().toString()));
        }
      }
    }
    return ids;
  }

  private void unmountIfMounted(String sessionId, String resourceId) throws IOException {
    Path target = mountPoint(sessionId, resourceId);
    if (MountTable.pointsUnder(sandboxes.resolve(sessionId)).contains(target)) {
      SessionVolumes.unmount(List.of(target));
    }
  }
}
