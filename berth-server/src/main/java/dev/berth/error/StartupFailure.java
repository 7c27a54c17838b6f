package dev.berth.error;

/**
 * What keeps Berth (or a command such as {@code berth keys}) from starting that its operator, not
 * its code, has to fix: the port is taken, the data directory cannot be written, the database
 * cannot be reached. The message is one line that says what and which setting to look at; the
 * command line prints it alone, without a stack trace, and exits 1.
 */
public final class StartupFailure extends RuntimeException {
  public StartupFailure(String message, Throwable cause) {
    super(message, cause);
  }

  public StartupFailure(String message) {
    super(message);
  }
}
