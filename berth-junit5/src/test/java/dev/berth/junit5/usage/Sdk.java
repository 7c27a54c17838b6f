package dev.berth.junit5.usage;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.beta.files.BetaFileMetadata;
import com.anthropic.models.beta.files.FileUploadParams;
import dev.berth.junit5.BerthServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The official Java SDK, set up as the README tells users to. */
final class Sdk {
  private Sdk() {}

  static AnthropicClient client(BerthServer server) {
    return AnthropicOkHttpClient.builder()
        .baseUrl(server.baseUrl())
        .apiKey(server.apiKey())
        .responseValidation(true)
        .build();
  }

  /** Uploads a file named {@code name} holding {@code text}, written to {@code dir} first. */
  static BetaFileMetadata upload(AnthropicClient client, Path dir, String name, String text) {
    try {
      Path file = Files.writeString(dir.resolve(name), text);
      return client.beta().files().upload(FileUploadParams.builder().file(file).build());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
