package dev.berth.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.ConflictException;
import com.anthropic.errors.ContentTooLargeException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.models.ErrorType;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/**
 * Official Java SDK clients pointed at a {@link TestServer}, built as a user would build them (API
 * key and base URL) plus strict response validation, so a missing or mistyped field in any response
 * fails the call instead of surfacing later in a getter.
 */
public final class SdkClients {
  private SdkClients() {}

  /** A client of workspace "alpha". */
  public static AnthropicClient client(TestServer server) {
    return client(server, TestServer.KEY);
  }

  /** A client using {@code apiKey}, whichever workspace it opens (if any). */
  public static AnthropicClient client(TestServer server, String apiKey) {
    return AnthropicOkHttpClient.builder()
        .apiKey(apiKey)
        .baseUrl(server.baseUrl())
        .responseValidation(true)
        .build();
  }

  /**
   * Runs {@code call}, expects the SDK to throw {@code type}, checks the status, the envelope's
   * {@code error.type} and the request id (header and body alike), and returns the exception.
   */
  public static <E extends AnthropicServiceException> E expectApiError(
      Class<E> type, int status, String errorType, ThrowingCallable call) {
    Throwable thrown = catchThrowable(call);
    assertThat(thrown).isInstanceOf(type);
    E e = type.cast(thrown);
    assertThat(e.statusCode()).isEqualTo(status);
    assertThat(e.type().map(ErrorType::asString)).contains(errorType);
    assertThat(e.apiMessage()).isPresent();
    assertThat(e.requestId())
        .hasValueSatisfying(id -> assertThat(id).matches("req_01[0-9A-Za-z]{22}"));
    Map<?, ?> body = (Map<?, ?>) e.body().asObject().orElseThrow(); // JsonValue is a raw JsonField
    assertThat(body.get("type")).isEqualTo(JsonValue.from("error"));
    assertThat(body.get("request_id")).isEqualTo(JsonValue.from(e.requestId().orElseThrow()));
    return e;
  }

  /** {@link #expectApiError} for a 400 {@code invalid_request_error}. */
  public static BadRequestException expectBadRequest(ThrowingCallable call) {
    return expectApiError(BadRequestException.class, 400, "invalid_request_error", call);
  }

  /** {@link #expectApiError} for a 404 {@code not_found_error}. */
  public static NotFoundException expectNotFound(ThrowingCallable call) {
    return expectApiError(NotFoundException.class, 404, "not_found_error", call);
  }

  /** {@link #expectApiError} for a 409 {@code conflict_error}. */
  public static ConflictException expectConflict(ThrowingCallable call) {
    return expectApiError(ConflictException.class, 409, "conflict_error", call);
  }

  /** {@link #expectApiError} for a 413 {@code request_too_large}. */
  public static ContentTooLargeException expectTooLarge(ThrowingCallable call) {
    return expectApiError(ContentTooLargeException.class, 413, "request_too_large", call);
  }
}
