package dev.berth.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.TestSummary.Row;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The summary table of {@code ./berth test}, from reports and logs shaped as the runs leave them.
 */
class TestSummaryTest {
  @TempDir Path root;
  @TempDir Path run;

  /** The log lines Maven 3.8 writes when it starts each test execution (3.9 drops "maven-"). */
  static final String ALL_STARTED =
      """
      [INFO] --- maven-surefire-plugin:3.5.4:test (default-test) @ berth-server ---
      [INFO] --- maven-surefire-plugin:3.5.4:test (postgres) @ berth-server ---
      [INFO] --- maven-failsafe-plugin:3.5.4:integration-test (default) @ berth-server ---
      [INFO] --- maven-failsafe-plugin:3.5.4:integration-test (postgres) @ berth-server ---
      [INFO] --- surefire:3.5.4:test (default-test) @ berth-junit5 ---
      [INFO] --- failsafe:3.5.4:integration-test (default) @ berth-dist ---
      """;

  void suite(String reports, String name, int tests, int failures, int errors, int skipped)
      throws IOException {
    Path dir = Files.createDirectories(root.resolve(reports));
    Files.writeString(
        dir.resolve("TEST-" + name + ".xml"),
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <testsuite xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" version="3.0.2" \
        name="%s" time="1.0" tests="%d" errors="%d" skipped="%d" failures="%d">
          <testcase name="t" classname="%s" time="0.1"/>
        </testsuite>
        """
            .formatted(name, tests, errors, skipped, failures, name));
  }

  void file(String name, String content) throws IOException {
    Files.writeString(run.resolve(name), content);
  }

  static String nodeReport(int tests, int pass, int fail, int skipped) {
    return """
        <?xml version="1.0" encoding="utf-8"?>
        <testsuites>
        	<testcase name="ok" time="0.001" classname="test"/>
        	<!-- tests %d -->
        	<!-- suites 0 -->
        	<!-- pass %d -->
        	<!-- fail %d -->
        	<!-- cancelled 0 -->
        	<!-- skipped %d -->
        	<!-- todo 0 -->
        	<!-- duration_ms 907.06 -->
        </testsuites>
        """
        .formatted(tests, pass, fail, skipped);
  }

  void allPassed() throws IOException {
    suite("berth-server/target/surefire-reports", "dev.berth.ATest", 5, 0, 0, 1);
    suite("berth-server/target/surefire-reports", "dev.berth.BTest", 3, 0, 0, 0);
    suite("berth-server/target/surefire-reports-postgres", "dev.berth.ATest", 5, 0, 0, 1);
    suite("berth-server/target/failsafe-reports", "dev.berth.CIT", 2, 0, 0, 0);
    suite("berth-server/target/failsafe-reports-postgres", "dev.berth.CIT", 2, 0, 0, 0);
    suite("berth-junit5/target/surefire-reports", "dev.berth.junit5.DTest", 4, 0, 0, 0);
    suite("berth-dist/target/failsafe-reports", "dev.berth.dist.EIT", 3, 0, 0, 0);
    file("maven.log", ALL_STARTED);
    file("maven.status", "0\n");
    file("ts-sqlite.xml", nodeReport(10, 9, 0, 1));
    file("ts-sqlite.status", "0\n");
    file("ts-postgres.xml", nodeReport(10, 9, 0, 1));
    file("ts-postgres.status", "0\n");
  }

  String printed(List<Row> rows) {
    var bytes = new ByteArrayOutputStream();
    TestSummary.print(rows, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void everyStageIsARowWithItsCountsAndTheBuildLast() throws IOException {
    allPassed();

    assertThat(TestSummary.rows(root, run))
        .containsExactly(
            new Row("Maven surefire, SQLite", 7, 0, 1, true, ""),
            new Row("Maven surefire, PostgreSQL", 4, 0, 1, true, ""),
            new Row("Maven failsafe, SQLite", 2, 0, 0, true, ""),
            new Row("Maven failsafe, PostgreSQL", 2, 0, 0, true, ""),
            new Row("berth-junit5", 4, 0, 0, true, ""),
            new Row("berth-dist", 3, 0, 0, true, ""),
            new Row("TypeScript SDK, SQLite", 9, 0, 1, true, ""),
            new Row("TypeScript SDK, PostgreSQL", 9, 0, 1, true, ""),
            new Row("Maven build", -1, -1, -1, true, ""));
  }

  @Test
  void theTableEndsWithTheTotalsOnALineOfTheirOwn() throws IOException {
    allPassed();

    String out = printed(TestSummary.rows(root, run));

    assertThat(out)
        .contains(
            "Maven surefire, PostgreSQL        4        0        1  ok",
            "TypeScript SDK, SQLite            9        0        1  ok",
            "Maven build                                            ok")
        .endsWith("every stage passed\ntotal: 40 passed, 0 failed, 4 skipped\n");
  }

  @Test
  void failuresAndErrorsFailTheirStageAndAreCounted() throws IOException {
    allPassed();
    suite("berth-server/target/failsafe-reports-postgres", "dev.berth.EIT", 4, 1, 1, 0);

    List<Row> rows = TestSummary.rows(root, run);

    assertThat(rows.get(3)).isEqualTo(new Row("Maven failsafe, PostgreSQL", 4, 2, 0, false, ""));
    assertThat(printed(rows))
        .contains("Maven failsafe, PostgreSQL        4        2        0  FAILED")
        .endsWith("1 of 9 stages failed or did not run\ntotal: 42 passed, 2 failed, 4 skipped\n");
  }

  @Test
  void aStageMavenNeverStartedDidNotRunAndFails() throws IOException {
    allPassed();
    file("maven.log", ALL_STARTED.lines().limit(2).map(l -> l + "\n").reduce("", String::concat));
    file("maven.status", "1\n");

    List<Row> rows = TestSummary.rows(root, run);

    assertThat(rows.subList(2, 6))
        .extracting(Row::ok, Row::note)
        .containsOnly(org.assertj.core.groups.Tuple.tuple(false, "did not run"));
    assertThat(rows.getLast())
        .isEqualTo(new Row("Maven build", -1, -1, -1, false, "exit status 1: see maven.log"));
  }

  @Test
  void aStageStartedThatSelectedNoTestPassesSayingSo() throws IOException {
    allPassed();
    for (Path report : List.of(root.resolve("berth-junit5/target/surefire-reports"))) {
      try (var files = Files.list(report)) {
        for (Path f : files.toList()) {
          Files.delete(f);
        }
      }
      Files.delete(report);
    }

    assertThat(TestSummary.rows(root, run).get(4))
        .isEqualTo(new Row("berth-junit5", 0, 0, 0, true, "no tests"));
  }

  @Test
  void anExecutionThatFailedItselfFailsItsStageWhateverItsReportsSay() throws IOException {
    allPassed();
    file(
        "maven.log",
        ALL_STARTED
            + "[ERROR] Failed to execute goal org.apache.maven.plugins:maven-surefire-plugin:3.5.4:"
            + "test (postgres) on project berth-server: There was an error in the forked process\n");

    assertThat(TestSummary.rows(root, run).get(1))
        .isEqualTo(
            new Row(
                "Maven surefire, PostgreSQL",
                4,
                0,
                1,
                false,
                "the run itself failed: see maven.log"));
  }

  @Test
  void aTypeScriptRunFailsOnItsExitStatusOrItsFailuresAndDidNotRunWithoutOne() throws IOException {
    allPassed();
    file("ts-sqlite.status", "1\n");
    file("ts-postgres.xml", nodeReport(10, 8, 2, 0));
    Files.delete(run.resolve("ts-postgres.status"));

    List<Row> rows = TestSummary.rows(root, run);

    assertThat(rows.get(6))
        .isEqualTo(new Row("TypeScript SDK, SQLite", 9, 0, 1, false, "exit status 1"));
    assertThat(rows.get(7))
        .isEqualTo(new Row("TypeScript SDK, PostgreSQL", 0, 0, 0, false, "did not run"));
  }

  @Test
  void aTypeScriptRunThatLeftNoReportFailsWithItsExitStatus() throws IOException {
    allPassed();
    Files.delete(run.resolve("ts-sqlite.xml"));
    file("ts-sqlite.status", "1\n");

    assertThat(TestSummary.rows(root, run).get(6))
        .isEqualTo(new Row("TypeScript SDK, SQLite", 0, 0, 0, false, "no report: exit status 1"));
  }

  @Test
  void aLogThatIsNotUtf8StillGivesTheSummary() throws IOException {
    allPassed();
    Files.write(
        run.resolve("maven.log"),
        (ALL_STARTED + "[ERROR] expected \u00ff").getBytes(StandardCharsets.ISO_8859_1));

    assertThat(TestSummary.rows(root, run)).allMatch(Row::ok);
  }
}
