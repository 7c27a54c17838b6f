package dev.berth.domain;

import java.security.SecureRandom;

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

  private Ids() {}

  public static String file() {
    return next("file");
  }

  public static String session() {
    return next("sesn");
  }

  public static String resource() {
    return next("sesrsc");
  }

  public static String agent() {
    return next("agent");
  }

  public static String environment() {
    return next("env");
  }

  public static String workspace() {
    return next("wrkspc");
  }

  public static String request() {
    return next("req");
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
