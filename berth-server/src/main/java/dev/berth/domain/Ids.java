package dev.berth.domain;

import java.security.SecureRandom;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Object ids in the API's format: {@code <prefix>_01} followed by 22 base62 characters (spec
 * §1.11). The first 8 characters after {@code 01} encode the creation time in milliseconds and the
 * rest are random, so ids sort by creation time; ids minted in the same millisecond increase
 * monotonically, which keeps keyset pagination in creation order.
 */
public final class Ids {
  private static final char[] ALPHABET =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
  private static final int TIME_CHARS = 8;
  private static final int RANDOM_CHARS = 14;

  private static final SecureRandom RANDOM = new SecureRandom();
  private static long lastMillis;
  private static final int[] lastRandom = new int[RANDOM_CHARS];

  public static final String FILE = "file";
  public static final String SESSION = "sesn";
  public static final String RESOURCE = "sesrsc";
  public static final String AGENT = "agent";
  public static final String ENVIRONMENT = "env";
  public static final String MEMORY_STORE = "memstore";
  public static final String MEMORY = "mem";
  public static final String MEMORY_VERSION = "memver";

  private Ids() {}

  public static String file() {
    return next(FILE);
  }

  public static String session() {
    return next(SESSION);
  }

  public static String resource() {
    return next(RESOURCE);
  }

  public static String agent() {
    return next(AGENT);
  }

  public static String environment() {
    return next(ENVIRONMENT);
  }

  public static String memoryStore() {
    return next(MEMORY_STORE);
  }

  public static String memory() {
    return next(MEMORY);
  }

  public static String memoryVersion() {
    return next(MEMORY_VERSION);
  }

  public static String apiKey() {
    return next("apikey");
  }

  public static String workspace() {
    return next("wrkspc");
  }

  public static String request() {
    return next("req");
  }

  /**
   * Tells strings shaped like ids of one kind (one of the prefixes above) from anything else; says
   * nothing of whether such an object exists.
   */
  public static Predicate<String> shapeOf(String prefix) {
    return Pattern.compile(
            Pattern.quote(prefix) + "_01[0-9A-Za-z]{" + (TIME_CHARS + RANDOM_CHARS) + "}")
        .asMatchPredicate();
  }

  static synchronized String next(String prefix) {
    long now = System.currentTimeMillis();
    if (now > lastMillis) {
      lastMillis = now;
      for (int i = 0; i < RANDOM_CHARS; i++) {
        lastRandom[i] = RANDOM.nextInt(ALPHABET.length);
      }
    } else {
      increment();
    }
    var sb = new StringBuilder(prefix.length() + 25).append(prefix).append("_01");
    long t = lastMillis;
    char[] time = new char[TIME_CHARS];
    for (int i = TIME_CHARS - 1; i >= 0; i--) {
      time[i] = ALPHABET[(int) (t % ALPHABET.length)];
      t /= ALPHABET.length;
    }
    sb.append(time);
    for (int r : lastRandom) {
      sb.append(ALPHABET[r]);
    }
    return sb.toString();
  }

  private static void increment() {
    for (int i = RANDOM_CHARS - 1; i >= 0; i--) {
      if (++lastRandom[i] < ALPHABET.length) {
        return;
      }
      lastRandom[i] = 0;
    }
    lastMillis++; // the random part wrapped: borrow the next millisecond
  }
}
