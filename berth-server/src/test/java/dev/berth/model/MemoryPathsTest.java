package dev.berth.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.error.ApiException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MemoryPathsTest {
  @ParameterizedTest
  @CsvSource({
    "/, 0, /a/b/c.md, /a/b/c.md",
    "/, 1, /a/b/c.md, /a/",
    "/, 1, /c.md, /c.md",
    "/, 2, /a/b/c.md, /a/b/",
    "/, 3, /a/b/c.md, /a/b/c.md",
    "/a/, 1, /a/b/c.md, /a/b/",
    "/a/, 1, /a/c.md, /a/c.md",
    "/a/b/, 5, /a/b/c.md, /a/b/c.md"
  })
  void aListingShowsAMemoryOrTheDirectoryAtItsDepthThatHoldsIt(
      String prefix, int depth, String path, String shown) {
    assertThat(MemoryPaths.shownAt(prefix, depth, path)).isEqualTo(shown);
  }

  @Test
  void theSubtreeEndsJustAfterEveryPathUnderTheDirectory() {
    String end = MemoryPaths.subtreeEnd("/a/");
    assertThat(end).isEqualTo("/a0");
    for (String under : new String[] {"/a/", "/a/b", "/a/\uffff", "/a/😀"}) {
      assertThat(bytes(under)).as(under).isLessThan(bytes(end));
    }
    for (String after : new String[] {"/a0", "/a1", "/b", "/a\u00e9"}) {
      assertThat(bytes(after)).as(after).isGreaterThanOrEqualTo(bytes(end));
    }
  }

  @Test
  void ancestorsAreTheStrictOnesNearestLast() {
    assertThat(MemoryPaths.ancestors("/a/b/c.md")).containsExactly("/a", "/a/b");
    assertThat(MemoryPaths.ancestors("/c.md")).isEmpty();
  }

  @Test
  void aPrefixIsTheRootOrAValidPathEndingInASlash() {
    assertThat(MemoryPaths.validatePrefix("/", "path_prefix")).isEqualTo("/");
    assertThat(MemoryPaths.validatePrefix("/a/b/", "path_prefix")).isEqualTo("/a/b/");
    assertThatThrownBy(() -> MemoryPaths.validatePrefix("/a/../", "path_prefix"))
        .isInstanceOf(ApiException.InvalidRequest.class)
        .hasMessageContaining("path_prefix must not contain '.' or '..' segments");
  }

  @Test
  void aRefusedPathIsShownWithItsInvisibleCharactersEscaped() {
    assertThatThrownBy(() -> MemoryPaths.validate("/a\u200bb", "path"))
        .hasMessage("path must not contain format characters: '/a\\u200bb'");
  }

  /** UTF-8 bytes as the stores compare them: unsigned, one by one. */
  private static String bytes(String s) {
    StringBuilder hex = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      hex.append(String.format("%02x", b & 0xff));
    }
    return hex.toString();
  }
}
