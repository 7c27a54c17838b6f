package dev.berth;

import dev.berth.cli.ExecCommand;
import dev.berth.config.BerthConfig;
import dev.berth.config.ConfigLoader;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code berth [serve] [options]} starts the server; {@code berth exec SESSION -- COMMAND...} runs
 * a command in a session's sandbox. See README.md.
 */
public final class Main {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) {
    List<String> rest = List.of(args);
    if (!rest.isEmpty() && rest.get(0).equals("exec")) {
      System.exit(
          new ExecCommand(System.in, System.out, System.err)
              .run(rest.subList(1, rest.size()), System.getenv()));
    }
    if (!rest.isEmpty() && rest.get(0).equals("serve")) {
      rest = rest.subList(1, rest.size());
    }
    BerthConfig config;
    try {
      config = ConfigLoader.load(rest, System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("berth: " + e.getMessage());
      System.exit(2);
      return;
    }
    Logging.use(config.logFormat());
    Berth berth = Berth.start(config);
    Runtime.getRuntime().addShutdownHook(new Thread(berth::close, "berth-shutdown"));
    berth
        .generatedKey()
        .ifPresent(
            key ->
                System.out.printf(
                    "%nCreated workspace 'default' and its API key (shown only this once):%n%n"
                        + "    %s%n%n",
                    key));
    log.info(
        "Berth listening on http://{}:{} with data in {}",
        config.host(),
        berth.port(),
        config.dataDir().toAbsolutePath());
  }
}
