package dev.berth.sandbox;

import java.util.regex.Pattern;

/**
 * A session's id as the sandbox host uses it: the name of the session's directory under {@code
 * sandboxes}, so checked once, here, to be one plain name. The per-session caches are keyed by it
 * and reached only through a held lock ({@link SessionLocks.Held}).
 */
record SessionId(String value) {
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_-]{1,128}");

  /**
   * @throws IllegalArgumentException if {@code value} is not a session id
   */
  SessionId {
    if (!isValid(value)) {
      throw new IllegalArgumentException("not a session id: '" + value + "'");
    }
  }

  static boolean isValid(String value) {
    return VALID.matcher(value).matches();
  }

  @Override
  public String toString() {
    return value;
  }
}
