package dev.berth.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.berth.error.StartupFailure;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.TypeConversionException;

/**
 * The {@code berth} command: {@code serve} (also what runs when no command is named), {@code exec},
 * {@code keys}, {@code version} and {@code help}, on picocli.
 *
 * <p>Every setting is a flag and, through its {@link Setting}, environment variables; a flag on the
 * command line wins, and a variable is converted and checked exactly as the flag would be. A value
 * that is not of its setting's type or range is a usage error: one line naming the flag or the
 * variable it came from and what it accepts, and exit status {@value #USAGE}. A failure an operator
 * has to fix at start ({@link StartupFailure}) is one line and status {@value #FAILED}.
 */
public final class Cli {
  static final int FAILED = 1;
  static final int USAGE = 2;

  private static final Logger log = LoggerFactory.getLogger(Cli.class);

  /** Options of {@code berth} itself; anything else starting with '-' is an option of serve. */
  private static final Set<String> OWN_OPTIONS = Set.of("-h", "--help", "-V", "--version");

  private Cli() {}

  /** Runs {@code berth ARGS} and returns its exit status; {@code serve} returns once stopped. */
  public static int run(
      List<String> args,
      Map<String, String> env,
      InputStream in,
      PrintStream out,
      PrintStream err) {
    return commandLine(env, in, out, err).execute(withDefaultCommand(args).toArray(String[]::new));
  }

  static CommandLine commandLine(
      Map<String, String> env, InputStream in, PrintStream out, PrintStream err) {
    var cli = new CommandLine(new BerthCommand());
    cli.addSubcommand(new ServeCommand(out));
    // options end at the session id: the command's own options are passed on untouched
    cli.addSubcommand(new CommandLine(new ExecCommand(in, out, err)).setStopAtPositional(true));
    cli.addSubcommand(KeysCommand.commandLine(out, err));
    cli.addSubcommand(new VersionCommand(out));
    cli.addSubcommand(new CommandLine.HelpCommand());
    nameVariablesInHelp(cli);
    cli.setOut(new PrintWriter(new OutputStreamWriter(out, UTF_8), true));
    cli.setErr(new PrintWriter(new OutputStreamWriter(err, UTF_8), true));
    cli.setOverwrittenOptionsAllowed(true); // the last of a repeated flag wins, as it always did
    cli.setExecutionStrategy(
        parsed -> {
          Integer help = CommandLine.executeHelpRequest(parsed);
          if (help != null) {
            return help;
          }
          for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            applyEnvironment(p, env);
          }
          return new CommandLine.RunLast().execute(parsed);
        });
    cli.setParameterExceptionHandler(
        (e, args) -> {
          err.println("berth: " + describe(e));
          return USAGE;
        });
    cli.setExecutionExceptionHandler(
        (e, command, parsed) -> {
          if (e instanceof StartupFailure failure) {
            log.debug("start-up failed", failure);
            err.println("berth: " + failure.getMessage());
            return FAILED;
          }
          throw e;
        });
    return cli;
  }

  /**
   * Parses {@code args} as {@code berth} would, with the environment applied, without running
   * anything: the parse result of the command named last.
   *
   * @throws IllegalArgumentException with the one line {@code berth} would print for a usage error
   */
  static ParseResult parse(List<String> args, Map<String, String> env) {
    PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream(), true, UTF_8);
    CommandLine cli = commandLine(env, InputStream.nullInputStream(), nowhere, nowhere);
    try {
      ParseResult parsed = cli.parseArgs(args.toArray(String[]::new));
      ParseResult last = parsed;
      for (ParseResult p = parsed; p != null; p = p.subcommand()) {
        applyEnvironment(p, env);
        last = p;
      }
      return last;
    } catch (ParameterException e) {
      throw new IllegalArgumentException(describe(e), e);
    }
  }

  /** {@code serve} when no command is named: {@code berth}, {@code berth --port 9090}. */
  static List<String> withDefaultCommand(List<String> args) {
    if (args.isEmpty() || (args.get(0).startsWith("-") && !OWN_OPTIONS.contains(args.get(0)))) {
      var all = new ArrayList<String>();
      all.add("serve");
      all.addAll(args);
      return all;
    }
    return args;
  }

  /** Gives each option not on the command line the value of its first variable that is set. */
  private static void applyEnvironment(ParseResult parsed, Map<String, String> env) {
    for (OptionSpec option : parsed.commandSpec().options()) {
      Setting setting = setting(option);
      if (setting == null || parsed.hasMatchedOption(option)) {
        continue;
      }
      for (String name : setting.env()) {
        String text = env.get(name);
        if (text != null && !text.isBlank()) {
          option.setValue(convert(parsed.commandSpec(), option, setting, name, text.strip()));
          break;
        }
      }
    }
  }

  private static @Nullable Object convert(
      CommandSpec command, OptionSpec option, Setting setting, String variable, String text) {
    try {
      if (!option.isMultiValue()) {
        return convert(option, text);
      }
      List<@Nullable Object> values = new ArrayList<>();
      for (String item : text.split(",", -1)) {
        if (!item.isBlank()) {
          values.add(convert(option, item.strip()));
        }
      }
      return values;
    } catch (TypeConversionException e) {
      throw new SettingException(
          command.commandLine(),
          variable + " " + e.getMessage() + (setting.secret() ? "" : ", got '" + text + "'"));
    }
  }

  private static @Nullable Object convert(OptionSpec option, String text) {
    CommandLine.ITypeConverter<?>[] converters = option.converters();
    try {
      return converters.length == 0 ? text : converters[0].convert(text);
    } catch (TypeConversionException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("converting " + option.longestName(), e);
    }
  }

  /** One line: the setting, what it accepts and, unless it is a secret, what it was given. */
  private static String describe(ParameterException e) {
    if (e instanceof SettingException) {
      return String.valueOf(e.getMessage());
    }
    if (e.getCause() instanceof TypeConversionException wrong
        && e.getArgSpec() instanceof OptionSpec option) {
      Setting setting = setting(option);
      boolean secret = setting != null && setting.secret();
      return option.longestName()
          + " "
          + wrong.getMessage()
          + (secret ? "" : ", got '" + e.getValue() + "'");
    }
    return e.getMessage()
        + " (see '"
        + e.getCommandLine().getCommandSpec().qualifiedName(" ")
        + " --help')";
  }

  /**
   * Ends the help of each option read from the environment with "Env: NAME" and "Default: VALUE"
   * (when it has one). Options are rebuilt in their declared order, so the help lists them as the
   * command declares them.
   */
  private static void nameVariablesInHelp(CommandLine cli) {
    CommandSpec spec = cli.getCommandSpec();
    List<OptionSpec> options = List.copyOf(spec.options());
    for (OptionSpec option : options) {
      spec.remove(option);
    }
    for (OptionSpec option : options) {
      Setting setting = setting(option);
      if (setting == null) {
        spec.addOption(option);
        continue;
      }
      var lines = new ArrayList<>(List.of(option.description()));
      lines.add("Env: " + String.join(", then ", setting.env()));
      if (option.defaultValue() != null) {
        lines.add("Default: ${DEFAULT-VALUE}");
      } else if (!setting.unset().isEmpty()) {
        lines.add("Default: " + setting.unset());
      }
      spec.addOption(option.toBuilder().description(lines.toArray(String[]::new)).build());
    }
    for (CommandLine sub : cli.getSubcommands().values()) {
      nameVariablesInHelp(sub);
    }
  }

  private static @Nullable Setting setting(OptionSpec option) {
    return option.userObject() instanceof Field field ? field.getAnnotation(Setting.class) : null;
  }

  /** A setting's value that was refused, the message already naming the setting. */
  static final class SettingException extends ParameterException {
    SettingException(CommandLine command, String message) {
      super(command, message);
    }
  }
}
