package dev.berth.error;

import java.util.Optional;

/**
 * The only exceptions domain code throws on purpose. {@code http.ErrorMapper} turns each kind into
 * the API's status and error envelope; nothing else writes error JSON.
 */
public abstract sealed class ApiException extends RuntimeException {
  private final String errorCode;

  ApiException(String message, String errorCode) {
    super(message, null, false, false);
    this.errorCode = errorCode;
  }

  /** Machine-readable {@code error.details.error_code}, when the spec defines one. */
  public Optional<String> errorCode() {
    return Optional.ofNullable(errorCode);
  }

  /** 400 invalid_request_error. */
  public static final class InvalidRequest extends ApiException {
    public InvalidRequest(String message) {
      super(message, null);
    }

    public InvalidRequest(String message, String errorCode) {
      super(message, errorCode);
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
  }

  /** 413 request_too_large. */
  public static final class TooLarge extends ApiException {
    public TooLarge(String message) {
      super(message, null);
    }
  }

  /** 503: a backing store is unreachable; the client should retry. */
  public static final class Unavailable extends ApiException {
    public Unavailable(String message) {
      super(message, null);
    }
  }
}
