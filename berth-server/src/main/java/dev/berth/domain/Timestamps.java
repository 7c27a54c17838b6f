package dev.berth.domain;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/**
 * RFC 3339 UTC timestamps with a fixed microsecond width, so that stored strings compare in time
 * order (spec §1.12).
 */
public final class Timestamps {
  private static final DateTimeFormatter FORMAT =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

  private Timestamps() {}

  public static String now() {
    return format(Instant.now());
  }

  public static String format(Instant instant) {
    return FORMAT.format(instant.truncatedTo(ChronoUnit.MICROS));
  }

  /**
   * Now, or a microsecond after {@code previous} if the clock has not passed it: a change moves.
   */
  public static String later(String previous) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
    Instant before = Instant.parse(previous);
    return format(now.isAfter(before) ? now : before.plus(1, ChronoUnit.MICROS));
  }

  /** Parses any RFC 3339 timestamp, offsets included, for a query parameter named {@code name}. */
  public static String parseParam(String name, String value) {
    try {
      return format(OffsetDateTime.parse(value).toInstant());
    } catch (DateTimeParseException e) {
      throw new dev.berth.error.ApiException.InvalidRequest(
          name
              + " must be an RFC 3339 timestamp such as 2026-01-01T00:00:00Z, got '"
              + value
              + "'");
    }
  }
}
