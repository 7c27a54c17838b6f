package dev.berth.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.error.ApiException;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MountPathsTest {
  @Test
  void missingMountPathDefaultsToUploadsAndTheRequestedFileId() {
    assertThat(MountPaths.effective(Optional.empty(), "file_abc"))
        .isEqualTo("/mnt/session/uploads/file_abc");
  }

  @ParameterizedTest
  @CsvSource({
    "/data.csv, /mnt/session/uploads/data.csv",
    "/a/b/c.txt, /mnt/session/uploads/a/b/c.txt",
    "/mnt/session/uploads/x.csv, /mnt/session/uploads/x.csv",
    "/workspace/data.csv, /mnt/session/uploads/workspace/data.csv",
    "/mnt/session/uploadsX, /mnt/session/uploads/mnt/session/uploadsX",
    "/ünïcødé/名前.txt, /mnt/session/uploads/ünïcødé/名前.txt"
  })
  void givenPathIsPlacedUnderTheUploadsRoot(String given, String effective) {
    assertThat(MountPaths.effective(Optional.of(given), "file_x")).isEqualTo(effective);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "data.csv|must be absolute",
        "/a/../b|'.' or '..' segments",
        "/a/./b|'.' or '..' segments",
        "/..|'.' or '..' segments",
        "/a//b|empty segments",
        "/a/|must not end with '/'",
        "/|must not end with '/'",
        "/mnt/session/uploads|not the directory itself"
      })
  void invalidPathsAreRejectedNamingTheRule(String path, String rule) {
    assertThatThrownBy(() -> MountPaths.effective(Optional.of(path), "file_x"))
        .isInstanceOf(ApiException.InvalidRequest.class)
        .hasMessageContaining("mount_path")
        .hasMessageContaining(rule);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/a\u0000b", "/a\nb", "/a\u007fb", "/a\u0085b"})
  void controlCharactersAreRejected(String path) {
    assertThatThrownBy(() -> MountPaths.effective(Optional.of(path), "file_x"))
        .isInstanceOf(ApiException.InvalidRequest.class)
        .hasMessageMatching("mount_path must not contain (NUL|control) characters.*");
  }

  @Test
  void emptyPathIsRejected() {
    assertThatThrownBy(() -> MountPaths.effective(Optional.of(""), "file_x"))
        .hasMessageContaining("must not be empty");
  }

  @Test
  void unpairedSurrogateIsNotUtf8() {
    assertThatThrownBy(() -> MountPaths.effective(Optional.of("/a\ud800b"), "file_x"))
        .hasMessageContaining("valid UTF-8");
  }

  @Test
  void segmentsLongerThan255BytesAreRejected() {
    assertThat(MountPaths.effective(Optional.of("/" + "a".repeat(255)), "f")).endsWith("a");
    assertThatThrownBy(() -> MountPaths.effective(Optional.of("/" + "a".repeat(256)), "f"))
        .hasMessageContaining("at most 255 bytes");
  }

  @Test
  void pathsLongerThan4096BytesAreRejected() {
    String dirs = ("/" + "a".repeat(200)).repeat(20);
    String ok = dirs + "/" + "b".repeat(4096 - "/mnt/session/uploads".length() - dirs.length() - 1);
    assertThat(MountPaths.effective(Optional.of(ok), "f")).hasSize(4096);
    assertThatThrownBy(() -> MountPaths.effective(Optional.of(ok + "a"), "f"))
        .hasMessageContaining("at most 4096 bytes");
    assertThatThrownBy(
            () -> MountPaths.effective(Optional.of(("/" + "é".repeat(100)).repeat(21)), "f"))
        .hasMessageContaining("at most 4096 bytes");
  }

  @Test
  void ancestorsListEveryDirectoryBelowTheUploadsRoot() {
    assertThat(MountPaths.ancestors("/mnt/session/uploads/a/b/c"))
        .containsExactly("/mnt/session/uploads/a", "/mnt/session/uploads/a/b");
    assertThat(MountPaths.ancestors("/mnt/session/uploads/a")).isEmpty();
  }
}
