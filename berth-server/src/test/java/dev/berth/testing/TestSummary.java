package dev.berth.testing;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Element;
import org.xml.sax.SAXException;

/**
 * The table that ends {@code ./berth test}: every stage of the suite with its passed, failed and
 * skipped tests, and whether the stage failed, from what the runs left behind. Run from source by
 * the launcher ({@code java TestSummary.java ROOT RUN_DIR}), so it uses nothing but the JDK, and
 * exits 1 when any stage failed or did not run at all.
 *
 * <p>What it reads, all under the repository {@code ROOT} and the run's directory {@code RUN_DIR}:
 *
 * <ul>
 *   <li>the Maven stages: their {@code TEST-*.xml} reports, and in {@code RUN_DIR/maven.log}
 *       whether Maven started the stage's plugin execution at all (a filtered run may start it and
 *       select no test) and whether that execution itself failed (a crashed fork);
 *   <li>{@code RUN_DIR/maven.status}, Maven's exit status: a build that failed outside the test
 *       stages (compilation, formatting, dependency checks) is a stage of its own;
 *   <li>the TypeScript runs: {@code RUN_DIR/<name>.xml}, the JUnit report of {@code node --test},
 *       whose closing comments hold node's own totals, and {@code RUN_DIR/<name>.status}, the exit
 *       status of {@code sdk-tests/ts/run}.
 * </ul>
 */
public final class TestSummary {
  /**
   * A stage's outcome: its tests (none counted for the build itself: -1), whether it passed, and
   * why not, or what else is worth knowing.
   */
  public record Row(String stage, int passed, int failed, int skipped, boolean ok, String note) {
    static Row notRun(String stage, String why) {
      return new Row(stage, 0, 0, 0, false, why);
    }

    /** A row for a step that runs no tests of its own. */
    static Row step(String stage, boolean ok, String note) {
      return new Row(stage, -1, -1, -1, ok, note);
    }
  }

  /** A plugin execution of the Maven build that runs tests and reports to {@code reports}. */
  record MavenStage(
      String name, String module, String plugin, String goal, String execution, String reports) {}

  static final List<MavenStage> MAVEN_STAGES =
      List.of(
          new MavenStage(
              "Maven surefire, SQLite",
              "berth-server",
              "surefire",
              "test",
              "default-test",
              "berth-server/target/surefire-reports"),
          new MavenStage(
              "Maven surefire, PostgreSQL",
              "berth-server",
              "surefire",
              "test",
              "postgres",
              "berth-server/target/surefire-reports-postgres"),
          new MavenStage(
              "Maven failsafe, SQLite",
              "berth-server",
              "failsafe",
              "integration-test",
              "default",
              "berth-server/target/failsafe-reports"),
          new MavenStage(
              "Maven failsafe, PostgreSQL",
              "berth-server",
              "failsafe",
              "integration-test",
              "postgres",
              "berth-server/target/failsafe-reports-postgres"),
          new MavenStage(
              "berth-junit5",
              "berth-junit5",
              "surefire",
              "test",
              "default-test",
              "berth-junit5/target/surefire-reports"),
          new MavenStage(
              "berth-dist",
              "berth-dist",
              "failsafe",
              "integration-test",
              "default",
              "berth-dist/target/failsafe-reports"));

  /** The TypeScript runs: the name of their files in the run directory, and the row's. */
  static final List<List<String>> TYPESCRIPT_STAGES =
      List.of(
          List.of("ts-sqlite", "TypeScript SDK, SQLite"),
          List.of("ts-postgres", "TypeScript SDK, PostgreSQL"));

  private static final Pattern NODE_TOTAL =
      Pattern.compile("<!-- (tests|pass|fail|cancelled|skipped|todo) (\\d+) -->");

  private TestSummary() {}

  public static void main(String[] args) {
    if (args.length != 2) {
      System.err.println("usage: java TestSummary.java ROOT RUN_DIR");
      System.exit(2);
    }
    List<Row> rows = rows(Path.of(args[0]), Path.of(args[1]));
    print(rows, System.out);
    System.exit(rows.stream().allMatch(Row::ok) ? 0 : 1);
  }

  /** Every stage's row, in the order the suite runs them, the Maven build's own last. */
  public static List<Row> rows(Path root, Path runDir) {
    List<Row> rows = new ArrayList<>();
    String log = read(runDir.resolve("maven.log")).orElse("");
    for (MavenStage stage : MAVEN_STAGES) {
      rows.add(maven(stage, root, log));
    }
    for (List<String> ts : TYPESCRIPT_STAGES) {
      rows.add(
          typescript(ts.get(1), runDir.resolve(ts.get(0) + ".xml"), status(runDir, ts.get(0))));
    }
    Optional<Integer> maven = status(runDir, "maven");
    rows.add(
        maven.isEmpty()
            ? Row.step("Maven build", false, "did not run")
            : Row.step(
                "Maven build",
                maven.get() == 0,
                maven.get() == 0 ? "" : "exit status " + maven.get() + ": see maven.log"));
    return rows;
  }

  static Row maven(MavenStage stage, Path root, String log) {
    String execution =
        Pattern.quote(stage.goal() + " (" + stage.execution() + ") @ " + stage.module() + " ---");
    if (!Pattern.compile("--- \\S*" + stage.plugin() + "\\S*:" + execution).matcher(log).find()) {
      return Row.notRun(stage.name(), "did not run");
    }
    int tests = 0;
    int failed = 0;
    int skipped = 0;
    Path dir = root.resolve(stage.reports());
    if (Files.isDirectory(dir)) {
      try (Stream<Path> files = Files.list(dir)) {
        for (Path report : files.filter(TestSummary::isSuiteReport).sorted().toList()) {
          Element suite = parse(report);
          tests += count(suite, "tests");
          failed += count(suite, "failures") + count(suite, "errors");
          skipped += count(suite, "skipped");
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    boolean crashed =
        Pattern.compile(
                "Failed to execute goal \\S*"
                    + stage.plugin()
                    + "\\S*:"
                    + Pattern.quote(
                        stage.goal() + " (" + stage.execution() + ") on project " + stage.module()))
            .matcher(log)
            .find();
    String note = crashed ? "the run itself failed: see maven.log" : tests == 0 ? "no tests" : "";
    return new Row(
        stage.name(), tests - failed - skipped, failed, skipped, !crashed && failed == 0, note);
  }

  static Row typescript(String name, Path report, Optional<Integer> status) {
    if (status.isEmpty()) {
      return Row.notRun(name, "did not run");
    }
    Optional<String> xml = read(report);
    if (xml.isEmpty()) {
      return Row.notRun(name, "no report: exit status " + status.get());
    }
    var totals = new java.util.HashMap<String, Integer>();
    Matcher m = NODE_TOTAL.matcher(xml.get());
    while (m.find()) {
      totals.put(m.group(1), Integer.parseInt(m.group(2)));
    }
    int failed = totals.getOrDefault("fail", 0) + totals.getOrDefault("cancelled", 0);
    boolean ok = status.get() == 0 && failed == 0;
    String note =
        status.get() != 0 && failed == 0
            ? "exit status " + status.get()
            : totals.getOrDefault("tests", 0) == 0 ? "no tests" : "";
    return new Row(
        name,
        totals.getOrDefault("pass", 0),
        failed,
        totals.getOrDefault("skipped", 0) + totals.getOrDefault("todo", 0),
        ok,
        note);
  }

  /** The table, then one closing line with the totals ({@code total: N passed, N failed, …}). */
  public static void print(List<Row> rows, PrintStream out) {
    int width = rows.stream().mapToInt(r -> r.stage().length()).max().orElse(5);
    String format = "%-" + width + "s  %7s  %7s  %7s  %s%n";
    out.println();
    out.printf(Locale.ROOT, format, "stage", "passed", "failed", "skipped", "result");
    int passed = 0;
    int failed = 0;
    int skipped = 0;
    int failedStages = 0;
    for (Row r : rows) {
      boolean counted = r.passed() >= 0;
      out.printf(
          Locale.ROOT,
          format,
          r.stage(),
          counted ? r.passed() : "",
          counted ? r.failed() : "",
          counted ? r.skipped() : "",
          (r.ok() ? "ok" : "FAILED") + (r.note().isEmpty() ? "" : " (" + r.note() + ")"));
      if (counted) {
        passed += r.passed();
        failed += r.failed();
        skipped += r.skipped();
      }
      failedStages += r.ok() ? 0 : 1;
    }
    out.println();
    out.println(
        failedStages == 0
            ? "every stage passed"
            : failedStages + " of " + rows.size() + " stages failed or did not run");
    out.printf(Locale.ROOT, "total: %d passed, %d failed, %d skipped%n", passed, failed, skipped);
  }

  private static boolean isSuiteReport(Path p) {
    String name = p.getFileName().toString();
    return name.startsWith("TEST-") && name.endsWith(".xml");
  }

  private static Element parse(Path report) {
    try {
      var factory = DocumentBuilderFactory.newInstance();
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      return factory.newDocumentBuilder().parse(report.toFile()).getDocumentElement();
    } catch (ParserConfigurationException | SAXException e) {
      throw new IllegalStateException("cannot read the test report " + report, e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int count(Element suite, String attribute) {
    String value = suite.getAttribute(attribute);
    return value.isEmpty() ? 0 : Integer.parseInt(value);
  }

  private static Optional<Integer> status(Path runDir, String name) {
    return read(runDir.resolve(name + ".status")).map(s -> Integer.parseInt(s.strip()));
  }

  private static Optional<String> read(Path file) {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      // a test's output may hold bytes that are not UTF-8; they must not stop the summary
      return Optional.of(new String(Files.readAllBytes(file), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
