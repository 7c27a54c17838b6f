package dev.berth;

import dev.berth.cli.Cli;
import java.util.List;

/** The {@code berth} command ({@link Cli}); see README.md. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(Cli.run(List.of(args), System.getenv(), System.in, System.out, System.err));
  }
}
