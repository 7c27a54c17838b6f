package dev.berth.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code berth} itself: its commands are added by {@link Cli}. */
@Command(
    name = "berth",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.Provider.class,
    synopsisSubcommandLabel = "[COMMAND]",
    description = {
      "Berth: a self-hosted Managed Agents session resources API.",
      "Without a COMMAND, or with options only, runs 'serve'."
    },
    footer = {"", "'berth help COMMAND' or 'berth COMMAND --help' explains a command."})
final class BerthCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
