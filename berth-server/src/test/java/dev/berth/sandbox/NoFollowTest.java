package dev.berth.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opening a directory by name, as every walk through a sandbox does, must hand back exactly the
 * descriptors it took, whatever stands at the name: a command can swap a directory for a file at
 * any moment.
 */
class NoFollowTest {
  @TempDir Path dir;

  @Test
  void openingAFileOrALinkAsADirectoryFailsAndLeavesNoDescriptorBehind() throws IOException {
    Files.writeString(dir.resolve("file"), "not a directory");
    Files.createDirectory(dir.resolve("real"));
    Files.createSymbolicLink(dir.resolve("link"), dir.resolve("real"));
    try (var parent = NoFollow.openTrusted(dir)) {
      long before = openDescriptors();
      for (int i = 0; i < 100; i++) {
        for (String name : List.of("file", "link")) {
          assertThatThrownBy(() -> NoFollow.open(parent, Path.of(name)))
              .isInstanceOf(FileSystemException.class);
        }
      }
      // The JDK's failing path closes one descriptor twice and leaks its duplicate:
      // a leak here means the double close ran, the one that can close another thread's socket.
      assertThat(openDescriptors()).isEqualTo(before);
    }
  }

  @Test
  void openingADirectoryOpensThatDirectory() throws IOException {
    Files.createDirectory(dir.resolve("sub"));
    Files.writeString(dir.resolve("sub/inside"), "x");
    try (var parent = NoFollow.openTrusted(dir);
        var sub = NoFollow.open(parent, Path.of("sub"))) {
      assertThat(NoFollow.names(sub)).containsExactly(Path.of("inside"));
    }
  }

  @Test
  void aPathLeadsToTheDirectoryHeldOpenUntilOneOfItsNamesIsReplacedOrRemoved() throws IOException {
    Files.createDirectories(dir.resolve("a/b/c"));
    Path path = Path.of("a", "b", "c");
    try (var parent = NoFollow.openTrusted(dir);
        var a = NoFollow.open(parent, Path.of("a"));
        var b = NoFollow.open(a, Path.of("b"));
        var c = NoFollow.open(b, Path.of("c"))) {
      Object held = NoFollow.fileKey(c);
      assertThat(NoFollow.leadsTo(parent, path, held)).isTrue();

      Files.move(dir.resolve("a/b"), dir.resolve("old-b"));
      Files.createDirectories(dir.resolve("a/b/c"));
      assertThat(NoFollow.leadsTo(parent, path, held)).as("b replaced").isFalse();

      Trees.deleteRecursively(dir.resolve("a"));
      assertThat(NoFollow.leadsTo(parent, path, held)).as("a removed").isFalse();

      Files.createDirectories(dir.resolve("a/b"));
      Files.writeString(dir.resolve("a/b/c"), "a file where the directory was");
      assertThat(NoFollow.leadsTo(parent, path, held)).as("c a file").isFalse();
    }
  }

  @Test
  void aNameIsMissingWhereNothingIsThereOrALinkLeadsNowhereAndNotWhereAnythingElseStands()
      throws IOException {
    Files.writeString(dir.resolve("file"), "x");
    Files.createDirectory(dir.resolve("sub"));
    Files.createSymbolicLink(dir.resolve("link"), dir.resolve("sub"));
    Files.createSymbolicLink(dir.resolve("dangling"), dir.resolve("nowhere"));

    assertThat(NoFollow.missing(dir.resolve("absent"))).isTrue();
    assertThat(NoFollow.missing(dir.resolve("sub/absent"))).isTrue();
    assertThat(NoFollow.missing(dir.resolve("dangling"))).as("a link to nothing").isTrue();
    assertThat(NoFollow.missing(dir.resolve("file"))).isFalse();
    assertThat(NoFollow.missing(dir.resolve("sub"))).isFalse();
    assertThat(NoFollow.missing(dir.resolve("link"))).isFalse();
    assertThat(NoFollow.missing(dir.resolve("file/below"))).as("a file on the way").isFalse();
  }

  @Test
  void aKeyedOpenGivesTheInodeOfTheDirectoryItOpened() throws IOException {
    Files.createDirectory(dir.resolve("sub"));
    try (var parent = NoFollow.openTrusted(dir)) {
      var opened = NoFollow.openKeyed(parent, Path.of("sub"));
      try (var sub = opened.dir()) {
        assertThat(opened.key())
            .isEqualTo(NoFollow.fileKey(sub))
            .isEqualTo(
                Files.readAttributes(dir.resolve("sub"), BasicFileAttributes.class).fileKey());
      }
    }
  }

  private static long openDescriptors() throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count() - 1; // the listing's own
    }
  }
}
