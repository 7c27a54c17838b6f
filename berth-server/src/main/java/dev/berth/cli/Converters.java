package dev.berth.cli;

import dev.berth.config.BerthConfig;
import dev.berth.config.BerthConfig.ApiKeyGrant;
import dev.berth.config.LogFormat;
import java.math.BigInteger;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The types of settings: each converter takes the text of a flag or an environment variable and
 * either returns the value or says, in a phrase starting "must be", what it accepts. {@link Cli}
 * puts the setting's name before the phrase and the value given after it.
 */
final class Converters {
  private Converters() {}

  private static final Pattern DIGITS = Pattern.compile("-?[0-9]+");

  /** A whole number from {@code min} to {@code max}, in ASCII digits; else the phrase says so. */
  static long wholeNumber(String text, long min, long max) {
    if (DIGITS.matcher(text).matches()) {
      BigInteger value = new BigInteger(text);
      if (value.compareTo(BigInteger.valueOf(min)) >= 0
          && value.compareTo(BigInteger.valueOf(max)) <= 0) {
        return value.longValueExact();
      }
    }
    throw new TypeConversionException(
        max == Long.MAX_VALUE || max == Integer.MAX_VALUE
            ? "must be a whole number, at least " + min
            : "must be a whole number from " + min + " to " + max);
  }

  abstract static class IntRange implements ITypeConverter<Integer> {
    private final int min;
    private final int max;

    IntRange(int min, int max) {
      this.min = min;
      this.max = max;
    }

    @Override
    public Integer convert(String text) {
      return (int) wholeNumber(text, min, max);
    }
  }

  abstract static class LongRange implements ITypeConverter<Long> {
    private final long min;
    private final long max;

    LongRange(long min, long max) {
      this.min = min;
      this.max = max;
    }

    @Override
    public Long convert(String text) {
      return wholeNumber(text, min, max);
    }
  }

  static final class Port extends IntRange {
    Port() {
      super(0, BerthConfig.MAX_PORT);
    }
  }

  static final class PositiveInt extends IntRange {
    PositiveInt() {
      super(1, Integer.MAX_VALUE);
    }
  }

  static final class NonNegativeInt extends IntRange {
    NonNegativeInt() {
      super(0, Integer.MAX_VALUE);
    }
  }

  static final class LeaseSeconds extends IntRange {
    LeaseSeconds() {
      super(BerthConfig.MIN_LEASE_SECONDS, Integer.MAX_VALUE);
    }
  }

  static final class CpuWeight extends IntRange {
    CpuWeight() {
      super(1, BerthConfig.Exec.MAX_CPU_WEIGHT);
    }
  }

  static final class PositiveLong extends LongRange {
    PositiveLong() {
      super(1, Long.MAX_VALUE);
    }
  }

  static final class NonNegativeLong extends LongRange {
    NonNegativeLong() {
      super(0, Long.MAX_VALUE);
    }
  }

  static final class JsonBytes extends LongRange {
    JsonBytes() {
      super(BerthConfig.MIN_JSON_BYTES, Long.MAX_VALUE);
    }
  }

  static final class MemoryBytes extends LongRange {
    MemoryBytes() {
      super(BerthConfig.Exec.MIN_MEMORY_BYTES, Long.MAX_VALUE);
    }
  }

  static final class S3PartBytes extends LongRange {
    S3PartBytes() {
      super(BerthConfig.S3Settings.MIN_PART_BYTES, BerthConfig.S3Settings.MAX_PART_BYTES);
    }
  }

  static final class S3Parallelism extends IntRange {
    S3Parallelism() {
      super(1, BerthConfig.S3Settings.MAX_PARALLELISM);
    }
  }

  static final class Inodes extends LongRange {
    Inodes() {
      super(BerthConfig.Exec.MIN_INODES, BerthConfig.Exec.MAX_INODES);
    }
  }

  /** {@code true} or {@code false}, in any case: never a silent false for "yes". */
  static final class Bool implements ITypeConverter<Boolean> {
    @Override
    public Boolean convert(String text) {
      return switch (text.toLowerCase(Locale.ROOT)) {
        case "true" -> true;
        case "false" -> false;
        default -> throw new TypeConversionException("must be true or false");
      };
    }
  }

  /** The constant of an enum whose name the text spells in lowercase. */
  abstract static class Choice<E extends Enum<E>> implements ITypeConverter<E> {
    private final Class<E> type;

    Choice(Class<E> type) {
      this.type = type;
    }

    @Override
    public E convert(String text) {
      List<String> names = new ArrayList<>();
      for (E e : type.getEnumConstants()) {
        String name = e.name().toLowerCase(Locale.ROOT);
        if (name.equals(text)) {
          return e;
        }
        names.add(name);
      }
      throw new TypeConversionException(
          "must be "
              + String.join(", ", names.subList(0, names.size() - 1))
              + " or "
              + names.getLast());
    }
  }

  static final class DiskMechanism extends Choice<BerthConfig.DiskMechanism> {
    DiskMechanism() {
      super(BerthConfig.DiskMechanism.class);
    }
  }

  static final class CheckoutMechanism extends Choice<BerthConfig.CheckoutMechanism> {
    CheckoutMechanism() {
      super(BerthConfig.CheckoutMechanism.class);
    }
  }

  static final class LogFormats extends Choice<LogFormat> {
    LogFormats() {
      super(LogFormat.class);
    }
  }

  /** Any text but an empty one. */
  static final class Text implements ITypeConverter<String> {
    @Override
    public String convert(String text) {
      if (text.isBlank()) {
        throw new TypeConversionException("must not be empty");
      }
      return text;
    }
  }

  /** A file system path, not empty. */
  static final class FilePath implements ITypeConverter<Path> {
    @Override
    public Path convert(String text) {
      try {
        if (!text.isBlank()) {
          return Path.of(text);
        }
      } catch (InvalidPathException e) {
        // said below
      }
      throw new TypeConversionException("must be a path, not empty, without NUL");
    }
  }

  /** An http:// or https:// URL of a host, such as a server's base URL. */
  static final class HttpUrl implements ITypeConverter<URI> {
    @Override
    public URI convert(String text) {
      URI url = uri(text, "must be an http:// or https:// URL");
      if (!("http".equals(url.getScheme()) || "https".equals(url.getScheme()))
          || url.getHost() == null) {
        throw new TypeConversionException("must be an http:// or https:// URL");
      }
      return url;
    }
  }

  /** The base repositories are fetched from; a trailing slash is dropped. */
  static final class GithubUrl implements ITypeConverter<URI> {
    @Override
    public URI convert(String text) {
      String phrase = "must be " + BerthConfig.Repositories.GITHUB_URL_RULE;
      URI url = uri(text.endsWith("/") ? text.substring(0, text.length() - 1) : text, phrase);
      if (!BerthConfig.Repositories.acceptsGithubUrl(url)) {
        throw new TypeConversionException(phrase);
      }
      return url;
    }
  }

  /** A PostgreSQL JDBC URL; never repeated in a message, as it may hold a password. */
  static final class DatabaseUrl implements ITypeConverter<String> {
    @Override
    public String convert(String text) {
      if (!text.startsWith(BerthConfig.Shared.DATABASE_URL_PREFIX)) {
        throw new TypeConversionException(
            "must be a jdbc:postgresql: URL, such as jdbc:postgresql://host:5432/berth?user=berth");
      }
      return text;
    }
  }

  /** {@code KEY} for the workspace {@code default}, or {@code KEY@WORKSPACE}. */
  static final class Grant implements ITypeConverter<ApiKeyGrant> {
    @Override
    public ApiKeyGrant convert(String text) {
      int at = text.lastIndexOf('@');
      String key = at < 0 ? text : text.substring(0, at);
      String workspace = at < 0 ? "default" : text.substring(at + 1);
      if (key.length() < ApiKeyGrant.MIN_KEY_LENGTH || workspace.isBlank()) {
        throw new TypeConversionException(
            "must be KEY or KEY@WORKSPACE, the key at least "
                + ApiKeyGrant.MIN_KEY_LENGTH
                + " characters long");
      }
      return new ApiKeyGrant(key, workspace);
    }
  }

  private static URI uri(String text, String phrase) {
    try {
      return new URI(text);
    } catch (URISyntaxException e) {
      throw new TypeConversionException(phrase);
    }
  }
}
