package dev.berth.domain;

/**
 * One field of an update: absent (keep the stored value) or present with a value that may be null
 * (clear it).
 */
public record Patch<T>(boolean present, T value) {
  private static final Patch<?> ABSENT = new Patch<>(false, null);

  @SuppressWarnings("unchecked")
  public static <T> Patch<T> absent() {
    return (Patch<T>) ABSENT;
  }

  public static <T> Patch<T> of(T value) {
    return new Patch<>(true, value);
  }

  public T orElse(T current) {
    return present ? value : current;
  }
}
