package dev.berth.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Mixin;

/** {@code berth version} (and {@code berth --version}): Berth's version and the Java it runs on. */
@Command(name = "version", description = "Print Berth's version and the Java it runs on.")
final class VersionCommand implements Callable<Integer> {
  @Mixin HelpOption help;

  private final PrintStream out;

  VersionCommand(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() {
    for (String line : lines()) {
      out.println(line);
    }
    return 0;
  }

  static String[] lines() {
    return new String[] {
      "berth " + version(),
      "Java "
          + Runtime.version()
          + " ("
          + System.getProperty("java.vendor", "unknown vendor")
          + "), "
          + System.getProperty("os.name", "unknown OS")
          + " "
          + System.getProperty("os.arch", "")
    };
  }

  /** The project's version, as the build wrote it into {@code berth-version.properties}. */
  static String version() {
    try (InputStream in = VersionCommand.class.getResourceAsStream("/berth-version.properties")) {
      if (in == null) {
        throw new IllegalStateException("berth-version.properties is missing from the build");
      }
      var properties = new Properties();
      properties.load(in);
      return properties.getProperty("version", "unknown");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The same lines for {@code --version}. */
  static final class Provider implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return lines();
    }
  }
}
