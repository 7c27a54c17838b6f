package dev.berth.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.json.Json;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ErrorMapperTest {
  /** What a servlet response was told, recorded by a proxy. */
  static final class Recorded {
    final Map<String, Object> calls = new HashMap<>();
    final ByteArrayOutputStream body = new ByteArrayOutputStream();
    boolean committed;

    HttpServletResponse response() {
      var out =
          new ServletOutputStream() {
            @Override
            public boolean isReady() {
              return true;
            }

            @Override
            public void setWriteListener(WriteListener listener) {}

            @Override
            public void write(int b) {
              body.write(b);
            }
          };
      return (HttpServletResponse)
          Proxy.newProxyInstance(
              getClass().getClassLoader(),
              new Class<?>[] {HttpServletResponse.class},
              (proxy, method, args) ->
                  switch (method.getName()) {
                    case "isCommitted" -> committed;
                    case "getHeader" -> "req_0123456789abcdefghijklmn";
                    case "getOutputStream" -> out;
                    default -> {
                      calls.put(method.getName(), args == null ? null : args[0]);
                      yield null;
                    }
                  });
    }
  }

  @Test
  void anErrorEscapingAHandlerIsAnEnvelopeWithoutAStackTrace() throws Exception {
    var recorded = new Recorded();

    ErrorMapper.renderError(recorded.response(), new StackOverflowError("deep"));

    assertThat(recorded.calls).containsEntry("setStatus", 500);
    assertThat(recorded.calls).containsEntry("setContentType", "application/json");
    JsonNode body = Json.MAPPER.readTree(recorded.body.toByteArray());
    assertThat(body.get("type").asText()).isEqualTo("error");
    assertThat(body.at("/error/type").asText()).isEqualTo("api_error");
    assertThat(body.at("/error/message").asText()).isEqualTo("internal server error");
    assertThat(body.get("request_id").asText()).isEqualTo("req_0123456789abcdefghijklmn");
    assertThat(recorded.body.toString(StandardCharsets.UTF_8))
        .doesNotContain("StackOverflow", "deep");
  }

  @Test
  void aCommittedResponseIsLeftAlone() {
    var recorded = new Recorded();
    recorded.committed = true;

    ErrorMapper.renderError(recorded.response(), new OutOfMemoryError());

    assertThat(recorded.calls).doesNotContainKey("setStatus");
    assertThat(recorded.body.size()).isZero();
  }
}
