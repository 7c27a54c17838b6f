package dev.berth.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.LibraryLoaderUtil;

/**
 * The copy of SQLite's library in the data directory. The library loads once per process, so these
 * tests only look at the copy and the properties that point the driver at it, and put the
 * properties back as they found them.
 */
class SqliteLibraryTest {
  private static final String PATH = "org.sqlite.lib.path";
  private static final String NAME = "org.sqlite.lib.name";

  @TempDir Path data;
  private @Nullable String path;
  private @Nullable String name;

  @BeforeEach
  void forgetTheChoice() {
    path = System.clearProperty(PATH);
    name = System.clearProperty(NAME);
  }

  @AfterEach
  void restoreTheChoice() {
    restore(PATH, path);
    restore(NAME, name);
  }

  @Test
  void firstUseUnpacksTheJarsLibraryAndPointsTheDriverAtIt() throws Exception {
    SqliteLibrary.useCopyIn(data);

    Path copy = Path.of(System.getProperty(PATH)).resolve(System.getProperty(NAME));
    assertThat(copy.getParent())
        .isEqualTo(data.resolve("native").resolve("sqlite-jdbc-" + SQLiteJDBCLoader.getVersion()));
    assertThat(Files.readAllBytes(copy)).isEqualTo(jarsLibrary());
  }

  @Test
  void damagedCopyIsReplacedBeforeTheDriverIsPointedAtIt() throws Exception {
    SqliteLibrary.useCopyIn(data);
    Path copy = Path.of(System.getProperty(PATH)).resolve(System.getProperty(NAME));
    Files.write(copy, new byte[] {0x7f, 'E', 'L', 'F'});
    System.clearProperty(PATH);

    SqliteLibrary.useCopyIn(data);

    assertThat(Files.readAllBytes(copy)).isEqualTo(jarsLibrary());
    try (var left = Files.list(copy.getParent())) {
      assertThat(left).containsExactly(copy);
    }
  }

  @Test
  void pathChosenBeforeIsKeptAndNothingIsUnpacked() {
    System.setProperty(PATH, "/chosen");

    SqliteLibrary.useCopyIn(data);

    assertThat(System.getProperty(PATH)).isEqualTo("/chosen");
    assertThat(data.resolve("native")).doesNotExist();
  }

  private static byte[] jarsLibrary() throws Exception {
    String resource =
        LibraryLoaderUtil.getNativeLibResourcePath() + "/" + LibraryLoaderUtil.getNativeLibName();
    try (InputStream in = SQLiteJDBCLoader.class.getResourceAsStream(resource)) {
      assertThat(in).as(resource).isNotNull();
      return in.readAllBytes();
    }
  }

  private static void restore(String key, @Nullable String value) {
    if (value == null) {
      System.clearProperty(key);
    } else {
      System.setProperty(key, value);
    }
  }
}
