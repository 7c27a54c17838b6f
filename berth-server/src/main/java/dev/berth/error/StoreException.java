package dev.berth.error;

/**
 * A failure of the metadata store that is not the client's fault, already classified by the store
 * layer that saw it (which alone knows SQLStates and driver quirks), so that callers above it act
 * on the kind and never on the database's codes.
 */
public abstract sealed class StoreException extends RuntimeException {
  StoreException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * The database could not be reached, or went away mid-request: no connection in time, a broken
   * connection, or a server shutting down or starting. Nothing was acknowledged; a retry may work.
   */
  public static final class Unreachable extends StoreException {
    public Unreachable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * The database rolled the transaction back to settle a race with another one (a deadlock or a
   * serialization failure). Nothing was written, and the same request sent again normally works.
   */
  public static final class TransientConflict extends StoreException {
    public TransientConflict(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * A statement broke an integrity constraint. Stores catch the ones their rules expect (a taken
   * unique key, {@link #isUniqueKey()}); any that escape are a bug.
   */
  public static final class ConstraintViolation extends StoreException {
    private final boolean uniqueKey;

    public ConstraintViolation(String message, Throwable cause, boolean uniqueKey) {
      super(message, cause);
      this.uniqueKey = uniqueKey;
    }

    /** Whether the constraint is a UNIQUE or PRIMARY KEY one: the row's key is taken. */
    public boolean isUniqueKey() {
      return uniqueKey;
    }
  }

  /** Any other failure of the store: closed, misconfigured, or an error in a statement. */
  public static final class Failed extends StoreException {
    public Failed(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
