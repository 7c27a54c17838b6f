package dev.berth.model;

/**
 * Who made a change to a memory, or redacted a version of one: the caller of the API, known by the
 * id of the key it authenticated with, or the session whose agent wrote through the store's mounted
 * directory. Recorded when the change happens and never updated, so the key or session may since
 * have gone.
 */
public sealed interface Actor {
  /** The id of the key or the session. */
  String id();

  /** How the store records the kind: {@value ApiKey#KIND} or {@value Session#KIND}. */
  String kind();

  /** A direct caller of the API, by the id of its key ({@code apikey_…}), never the secret. */
  record ApiKey(String id) implements Actor {
    public static final String KIND = "api_key";

    @Override
    public String kind() {
      return KIND;
    }
  }

  /** An agent writing during a session ({@code sesn_…}). */
  record Session(String id) implements Actor {
    public static final String KIND = "session";

    @Override
    public String kind() {
      return KIND;
    }
  }

  /** The actor a stored kind and id stand for. */
  static Actor of(String kind, String id) {
    return switch (kind) {
      case ApiKey.KIND -> new ApiKey(id);
      case Session.KIND -> new Session(id);
      default -> throw new IllegalStateException("unknown actor kind in the store: " + kind);
    };
  }
}
