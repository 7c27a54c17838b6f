package dev.berth.error;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The process (EMFILE) or the whole system (ENFILE) had no file descriptor left for an operation.
 * Nothing about the request was wrong, and the same request sent again once load drops works, so
 * {@code http.ErrorMapper} answers 503 {@code overloaded_error} with {@code x-should-retry: true}.
 *
 * <p>Design note. Java reports both errors only as an {@link IOException} whose message is the C
 * library's text for them ({@code strerror}: "Too many open files", "Too many open files in
 * system"); no errno is exposed. So the text is matched here, once, where a failure leaves the code
 * that saw it (the sandbox host, the command runner), and everything above acts on this type.
 */
public final class OutOfDescriptors extends RuntimeException {
  private static final String EMFILE_OR_ENFILE = "Too many open files";

  public OutOfDescriptors(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * Whether {@code failure}, or anything it was caused by or suppressed, is running out of
   * descriptors.
   */
  public static boolean isCause(@Nullable Throwable failure) {
    Set<Throwable> seen = new HashSet<>();
    return isCause(failure, seen);
  }

  private static boolean isCause(@Nullable Throwable failure, Set<Throwable> seen) {
    if (failure == null || !seen.add(failure)) {
      return false;
    }
    if (failure instanceof OutOfDescriptors) {
      return true;
    }
    if (failure instanceof IOException && describedIn(failure.getMessage())) {
      return true;
    }
    for (Throwable suppressed : failure.getSuppressed()) {
      if (isCause(suppressed, seen)) {
        return true;
      }
    }
    return isCause(failure.getCause(), seen);
  }

  /** Whether {@code text} (an error message, a program's stderr) reports running out. */
  public static boolean describedIn(@Nullable String text) {
    return text != null && text.contains(EMFILE_OR_ENFILE);
  }

  /**
   * What to throw when {@code what} failed with {@code e}: this type if descriptors ran out, else
   * {@code otherwise}.
   */
  public static RuntimeException orElse(
      String what, Throwable e, Supplier<? extends RuntimeException> otherwise) {
    return isCause(e) ? new OutOfDescriptors(what + ": " + e.getMessage(), e) : otherwise.get();
  }

  /** {@link #orElse}, with the I/O failure unchecked otherwise. */
  public static RuntimeException orUnchecked(String what, IOException e) {
    return orElse(what, e, () -> new UncheckedIOException(what, e));
  }
}
