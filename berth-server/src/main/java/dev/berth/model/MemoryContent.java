package dev.berth.model;

import dev.berth.error.ApiException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A memory's text with its digest and size: the SHA-256 of its UTF-8 bytes in lowercase hex and
 * their number, computed here once and never from anything but those bytes (the API promises no
 * normalisation, so a client can compute the same digest). At most {@value #MAX_BYTES} bytes, and
 * no NUL, which the PostgreSQL store cannot hold (a JSON body cannot carry one either).
 */
public record MemoryContent(String text, String sha256, long sizeBytes) {
  public static final int MAX_BYTES = 102_400;
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  /** Checks {@code text} against the rules and digests it; 400 naming the rule otherwise. */
  public static MemoryContent of(String text) {
    if (text.indexOf('\0') >= 0) {
      throw new ApiException.InvalidRequest("content must not contain NUL (U+0000)");
    }
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > MAX_BYTES) {
      throw new ApiException.InvalidRequest(
          "content must be at most " + MAX_BYTES + " bytes of UTF-8, got " + bytes.length);
    }
    return new MemoryContent(text, sha256(bytes), bytes.length);
  }

  /** Checks that a digest a client sent for comparison is 64 lowercase hex characters. */
  public static String requireDigest(String sha256, String field) {
    if (!SHA256.matcher(sha256).matches()) {
      throw new ApiException.InvalidRequest(
          field + " must be 64 lowercase hexadecimal characters (a SHA-256 digest)");
    }
    return sha256;
  }

  /** The lowercase hex SHA-256 of {@code bytes}. */
  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
