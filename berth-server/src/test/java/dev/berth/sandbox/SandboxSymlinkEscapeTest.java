package dev.berth.sandbox;

import static dev.berth.sandbox.Trees.fileKey;
import static dev.berth.sandbox.Trees.snapshot;
import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A symlink planted anywhere in a sandbox must not let any operation create, replace or remove
 * anything outside the tree. {@code outside} holds a decoy at every place an operation that
 * followed the planted link would reach, and must be identical afterwards.
 */
class SandboxSymlinkEscapeTest {
  static final String SESSION = "sesn_011CNha8iCJcU1wXNR6q4V8w";
  static final String MOUNT = "/mnt/session/uploads/a/b.txt";

  /** Where the link is planted, relative to the sandbox root, and what it points at. */
  enum Plant {
    SANDBOX_ROOT("", ""),
    MNT("mnt", ""),
    SESSION_DIR("mnt/session", ""),
    UPLOADS("mnt/session/uploads", ""),
    MOUNT_PARENT("mnt/session/uploads/a", ""),
    MOUNT_FILE("mnt/session/uploads/a/b.txt", "secret.txt");

    final String at;
    final String target;

    Plant(String at, String target) {
      this.at = at;
      this.target = target;
    }
  }

  enum Op {
    MOUNT,
    RECONCILE,
    UNMOUNT,
    DESTROY
  }

  @TempDir Path dataDir;
  @TempDir Path outside;
  LocalSandboxHost host;
  String hello;
  String world;

  @BeforeEach
  void setUp() throws IOException {
    host = new LocalSandboxHost(dataDir, this::blobPath);
    hello = Trees.blob(dataDir, "hello");
    world = Trees.blob(dataDir, "world");
    for (String decoy :
        new String[] {
          "mnt/session/uploads/a/b.txt",
          "session/uploads/a/b.txt",
          "uploads/a/b.txt",
          "a/b.txt",
          "b.txt",
          "secret.txt"
        }) {
      Path p = outside.resolve(decoy);
      Files.createDirectories(p.getParent());
      Files.writeString(p, "decoy");
    }
  }

  @AfterEach
  void removeTheTreeAndItsLinks() {
    host.destroy(SESSION);
  }

  static Stream<Arguments> plantsAndOps() {
    return Arrays.stream(Plant.values())
        .flatMap(plant -> Arrays.stream(Op.values()).map(op -> Arguments.of(plant, op)));
  }

  @ParameterizedTest(name = "link planted at {0}, then {1}")
  @MethodSource("plantsAndOps")
  void plantedSymlinkChangesNothingOutsideTheTree(Plant plant, Op op) throws IOException {
    host.mount(SESSION, MOUNT, hello);
    plant(plant);
    Map<String, String> before = snapshot(outside);

    switch (op) {
      case MOUNT -> host.mount(SESSION, MOUNT, world);
      case RECONCILE -> host.reconcile(SESSION, Map.of(MOUNT, world));
      case UNMOUNT -> host.unmount(SESSION, MOUNT);
      case DESTROY -> host.destroy(SESSION);
    }

    assertThat(snapshot(outside)).isEqualTo(before);
    Path root = host.root(SESSION);
    switch (op) {
      case MOUNT, RECONCILE -> {
        assertThat(realFileAt(root, MOUNT)).isTrue();
        Path mounted = root.resolve(MOUNT.substring(1));
        assertThat(mounted).hasContent("world");
        assertThat(fileKey(mounted)).isEqualTo(fileKey(blobPath(world)));
        assertThat(root.resolve("mnt/session/outputs")).isDirectory();
      }
      case UNMOUNT -> assertThat(realFileAt(root, MOUNT)).isFalse();
      case DESTROY -> assertThat(Files.exists(root, NOFOLLOW_LINKS)).isFalse();
    }
  }

  @Test
  void strayLinkToADirectoryIsRemovedButNotItsTarget() throws IOException {
    host.reconcile(SESSION, Map.of());
    Path uploads = host.root(SESSION).resolve("mnt/session/uploads");
    Files.createSymbolicLink(uploads.resolve("x"), outside);
    Files.createSymbolicLink(uploads.resolve("y"), outside.resolve("secret.txt"));
    Map<String, String> before = snapshot(outside);

    host.reconcile(SESSION, Map.of());

    assertThat(uploads).isEmptyDirectory();
    assertThat(snapshot(outside)).isEqualTo(before);
  }

  @Test
  void destroyRemovesLinksInTheWorkspaceButNotTheirTargets() throws IOException {
    host.mount(SESSION, MOUNT, hello);
    Path workspace = host.root(SESSION).resolve("workspace");
    Files.createSymbolicLink(workspace.resolve("dir"), outside);
    Files.createSymbolicLink(workspace.resolve("file"), outside.resolve("secret.txt"));
    Map<String, String> before = snapshot(outside);

    host.destroy(SESSION);

    assertThat(host.root(SESSION)).doesNotExist();
    assertThat(snapshot(outside)).isEqualTo(before);
  }

  /** Replaces the entry at the plant's place with a link to {@code outside}. */
  void plant(Plant plant) throws IOException {
    Path at = host.root(SESSION).resolve(plant.at);
    Trees.deleteRecursively(at);
    Files.createSymbolicLink(at, outside.resolve(plant.target));
  }

  /** Whether a regular file is at {@code absolute}, reached without passing any symlink. */
  static boolean realFileAt(Path root, String absolute) throws IOException {
    Path p = root;
    if (!Files.isDirectory(p, NOFOLLOW_LINKS)) {
      return false;
    }
    Path relative = Path.of(absolute.substring(1));
    for (int i = 0; i < relative.getNameCount(); i++) {
      p = p.resolve(relative.getName(i));
      boolean last = i == relative.getNameCount() - 1;
      if (last ? !Files.isRegularFile(p, NOFOLLOW_LINKS) : !Files.isDirectory(p, NOFOLLOW_LINKS)) {
        return false;
      }
    }
    return true;
  }

  Path blobPath(String sha256) {
    return Trees.blobPath(dataDir, sha256);
  }
}
