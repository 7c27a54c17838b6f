package dev.berth.error;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The only exceptions domain code throws on purpose. {@code http.ErrorMapper} turns each kind into
 * the API's status and error envelope; nothing else writes error JSON.
 */
public abstract sealed class ApiException extends RuntimeException {
  private final @Nullable String errorCode;
  private final Map<String, Object> details;

  ApiException(String message, @Nullable String errorCode) {
    this(message, errorCode, Map.of());
  }

  ApiException(String message, @Nullable String errorCode, Map<String, Object> details) {
    super(message, null, false, false);
    this.errorCode = errorCode;
    this.details = Collections.unmodifiableMap(new LinkedHashMap<>(details)); // keeps the order
  }

  /** Machine-readable {@code error.details.error_code}, when the spec defines one. */
  public Optional<String> errorCode() {
    return Optional.ofNullable(errorCode);
  }

  /**
   * More fields of {@code error.details} beside {@code error_code}, such as the partial result of a
   * command that was stopped; rendered as JSON.
   */
  public Map<String, Object> details() {
    return details;
  }

  /** 400 invalid_request_error. */
  public static final class InvalidRequest extends ApiException {
    public InvalidRequest(String message) {
      super(message, null);
    }

    public InvalidRequest(String message, String errorCode) {
      super(message, errorCode);
    }

    public InvalidRequest(String message, String errorCode, Map<String, Object> details) {
      super(message, errorCode, details);
    }
  }

  /** 401 authentication_error. */
  public static final class Unauthenticated extends ApiException {
    public Unauthenticated(String message) {
      super(message, null);
    }
  }

  /** 403 permission_error. */
  public static final class PermissionDenied extends ApiException {
    public PermissionDenied(String message) {
      super(message, null);
    }
  }

  /** 404 not_found_error. */
  public static final class NotFound extends ApiException {
    public NotFound(String message) {
      super(message, null);
    }

    public NotFound(String message, String errorCode) {
      super(message, errorCode);
    }

    public NotFound(String message, String errorCode, Map<String, Object> details) {
      super(message, errorCode, details);
    }
  }

  /** 405: the path exists but not with this method. */
  public static final class MethodNotAllowed extends ApiException {
    public MethodNotAllowed(String message) {
      super(message, null);
    }
  }

  /** 409 conflict_error: permanent, never worth a retry. */
  public static final class Conflict extends ApiException {
    public Conflict(String message) {
      super(message, null);
    }

    public Conflict(String message, String errorCode) {
      super(message, errorCode);
    }
  }

  /**
   * 409 memory_precondition_failed_error: a memory's digest is not the one a write was conditioned
   * on; the caller must read it again. Permanent for the request as sent.
   */
  public static final class PreconditionFailed extends ApiException {
    public PreconditionFailed(String message) {
      super(message, null);
    }
  }

  /**
   * 409 memory_path_conflict_error: another memory, {@code conflictingMemoryId}, is at {@code
   * conflictingPath}, the path asked for or one above or below it. The SDKs read both from the
   * error object itself.
   */
  public static final class PathConflict extends ApiException {
    private final String conflictingPath;
    private final String conflictingMemoryId;

    public PathConflict(String message, String conflictingPath, String conflictingMemoryId) {
      super(message, null);
      this.conflictingPath = conflictingPath;
      this.conflictingMemoryId = conflictingMemoryId;
    }

    public String conflictingPath() {
      return conflictingPath;
    }

    public String conflictingMemoryId() {
      return conflictingMemoryId;
    }
  }

  /** 413 request_too_large. */
  public static final class TooLarge extends ApiException {
    public TooLarge(String message) {
      super(message, null);
    }
  }

  /**
   * 429 rate_limit_error: a cap on work in progress is reached; the client should retry after
   * {@code retryAfterSeconds}, once something in progress has ended.
   */
  public static final class RateLimited extends ApiException {
    private final int retryAfterSeconds;

    public RateLimited(String message, String errorCode, int retryAfterSeconds) {
      super(message, errorCode);
      this.retryAfterSeconds = retryAfterSeconds;
    }

    public int retryAfterSeconds() {
      return retryAfterSeconds;
    }
  }

  /** 503: a backing store is unreachable; the client should retry. */
  public static final class Unavailable extends ApiException {
    public Unavailable(String message) {
      super(message, null);
    }

    public Unavailable(String message, String errorCode, Map<String, Object> details) {
      super(message, errorCode, details);
    }
  }

  /**
   * 421 invalid_request_error: this node cannot answer for the session (another node holds its
   * sandbox); retrying on the same node does not help.
   */
  public static final class Misdirected extends ApiException {
    public Misdirected(String message, String errorCode) {
      super(message, errorCode);
    }
  }

  /** 501 api_error: a feature this server does not offer as it is set up. */
  public static final class NotImplemented extends ApiException {
    public NotImplemented(String message, String errorCode) {
      super(message, errorCode);
    }
  }
}
