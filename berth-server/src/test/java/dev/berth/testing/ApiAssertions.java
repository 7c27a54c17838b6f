package dev.berth.testing;

import static org.assertj.core.api.Assertions.assertThat;

/** Checks on {@link Http.Response}s that several API tests share. */
public final class ApiAssertions {
  private ApiAssertions() {}

  /** A 400 {@code invalid_request_error} whose message contains {@code messagePart}. */
  public static void assertInvalid(Http.Response r, String messagePart) {
    assertThat(r.status()).as(String.valueOf(r.json())).isEqualTo(400);
    assertThat(r.errorType()).isEqualTo("invalid_request_error");
    assertThat(r.json().path("error").path("message").asText()).contains(messagePart);
  }
}
