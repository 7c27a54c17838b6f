package dev.berth.sdk;

import static dev.berth.testing.SdkClients.expectApiError;
import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.MultipartField;
import com.anthropic.core.RequestOptions;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.ContentTooLargeException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.errors.PermissionDeniedException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.models.beta.files.BetaDeletedFile;
import com.anthropic.models.beta.files.BetaFileMetadata;
import com.anthropic.models.beta.files.FileListPage;
import com.anthropic.models.beta.files.FileListParams;
import com.anthropic.models.beta.files.FileUploadParams;
import com.anthropic.models.files.FileNotDownloadableException;
import dev.berth.testing.SdkClients;
import dev.berth.testing.TestServer;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Files API (spec §6) through the official Java SDK with strict response validation. */
class FilesSdkIT {
  private static final String UNKNOWN_FILE = "file_01" + "0".repeat(22);
  private static final String UNKNOWN_SESSION = "sesn_01" + "0".repeat(22);

  static TestServer server;
  static AnthropicClient alpha;
  static AnthropicClient beta;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    alpha = SdkClients.client(server);
    beta = SdkClients.client(server, TestServer.OTHER_KEY);
  }

  @AfterAll
  static void stop() {
    alpha.close();
    beta.close();
    server.close();
  }

  static BetaFileMetadata upload(AnthropicClient client, String name, String type, String text) {
    MultipartField<InputStream> file =
        MultipartField.<InputStream>builder()
            .value(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)))
            .filename(name)
            .contentType(type)
            .build();
    return client.beta().files().upload(FileUploadParams.builder().file(file).build()).validate();
  }

  static BetaFileMetadata upload(String text) {
    return upload(alpha, "data.csv", "text/csv", text);
  }

  @Test
  void uploadReturnsValidMetadata() {
    OffsetDateTime before = OffsetDateTime.now().minusSeconds(1);
    BetaFileMetadata file = upload("a,b\n1,2\n");
    assertThat(file.id()).matches("file_01[0-9A-Za-z]{22}");
    assertThat(file.filename()).isEqualTo("data.csv");
    assertThat(file.mimeType()).isEqualTo("text/csv");
    assertThat(file.sizeBytes()).isEqualTo(8);
    assertThat(file._type().asString()).contains("file");
    assertThat(file.downloadable()).contains(false);
    assertThat(file.expiresAt()).isEmpty();
    assertThat(file.scope()).isEmpty();
    assertThat(file.createdAt()).isAfter(before).isBefore(OffsetDateTime.now().plusSeconds(1));
  }

  @Test
  void uploadOfBytesWithoutFilenameIsUnnamed() {
    BetaFileMetadata file =
        alpha
            .beta()
            .files()
            .upload(FileUploadParams.builder().file(new byte[] {1, 2, 3}).build())
            .validate();
    assertThat(file.filename()).startsWith("unnamed");
    assertThat(file.mimeType()).isEqualTo("application/octet-stream");
    assertThat(file.sizeBytes()).isEqualTo(3);
  }

  @Test
  void uploadOfPathKeepsItsFilename(@TempDir Path dir) throws Exception {
    Path csv = Files.writeString(dir.resolve("report.csv"), "x,y\n");
    BetaFileMetadata file =
        alpha.beta().files().upload(FileUploadParams.builder().file(csv).build()).validate();
    assertThat(file.filename()).isEqualTo("report.csv");
    assertThat(file.mimeType()).isEqualTo("text/csv");
  }

  @Test
  void uploadWithExpiryHasExpiresAt() {
    BetaFileMetadata file =
        alpha
            .beta()
            .files()
            .upload(
                FileUploadParams.builder()
                    .file("soon gone".getBytes(StandardCharsets.UTF_8))
                    .expiresInSeconds(3600)
                    .build())
            .validate();
    assertThat(file.expiresAt())
        .hasValueSatisfying(
            at ->
                assertThat(Duration.between(file.createdAt(), at)).isEqualTo(Duration.ofHours(1)));
  }

  @Test
  void retrieveMetadataMatchesUploadAndCarriesRequestId() {
    BetaFileMetadata file = upload("retrieve me");
    try (var raw = alpha.beta().files().withRawResponse().retrieveMetadata(file.id())) {
      assertThat(raw.statusCode()).isEqualTo(200);
      assertThat(raw.requestId()).hasValueSatisfying(id -> assertThat(id).startsWith("req_"));
      assertThat(raw.workspaceId()).hasValueSatisfying(id -> assertThat(id).startsWith("wrkspc_"));
      assertThat(raw.parse().validate()).isEqualTo(file);
    }
  }

  @Test
  void autoPagerWalksEveryFileOnceNewestFirst() {
    List<String> mine = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      mine.add(upload(alpha, "page-" + i + ".txt", "text/plain", "page " + i).id());
    }
    List<String> seen = new ArrayList<>();
    FileListPage first = alpha.beta().files().list(FileListParams.builder().limit(2).build());
    assertThat(first.data()).hasSize(2);
    assertThat(first.hasNextPage()).isTrue();
    for (BetaFileMetadata f : first.autoPager()) {
      seen.add(f.validate().id());
    }
    assertThat(new HashSet<>(seen)).hasSameSizeAs(seen);
    assertThat(seen.stream().filter(mine::contains).toList()).isEqualTo(mine.reversed());
  }

  @Test
  void lastPageHasNoNextPage() {
    upload("one");
    upload("two");
    FileListPage page = alpha.beta().files().list(FileListParams.builder().limit(1).build());
    while (page.hasNextPage()) {
      page = page.nextPage();
      page.data().forEach(BetaFileMetadata::validate);
    }
    assertThat(page.nextPageRaw()).isEmpty();
    assertThat(page.data()).hasSize(1);
  }

  @Test
  void listByIdsReturnsTheNamedFiles() {
    String a = upload("a").id();
    String b = upload("b").id();
    FileListPage page =
        alpha
            .beta()
            .files()
            .list(FileListParams.builder().addId(a).addId(b).addId(UNKNOWN_FILE).build());
    assertThat(page.data()).extracting(BetaFileMetadata::id).containsExactlyInAnyOrder(a, b);
    assertThat(page.hasNextPage()).isFalse();
  }

  @Test
  void listForUnknownSessionScopeIsEmpty() {
    upload("unscoped");
    FileListPage page =
        alpha.beta().files().list(FileListParams.builder().scopeId(UNKNOWN_SESSION).build());
    assertThat(page.data()).isEmpty();
    assertThat(page.hasNextPage()).isFalse();
    assertThat(page.autoPager().stream().count()).isZero();
  }

  @Test
  void downloadOfUploadedFileIsNotDownloadable() {
    BetaFileMetadata file = upload("private");
    var e =
        expectApiError(
            BadRequestException.class,
            400,
            "invalid_request_error",
            () -> alpha.beta().files().download(file.id()));
    assertThat(e).isInstanceOf(FileNotDownloadableException.class);
    assertThat(e.errorCode()).contains("file_not_downloadable");
  }

  @Test
  void deleteReturnsFileDeletedAndTheFileIsGone() {
    BetaFileMetadata file = upload("delete me");
    BetaDeletedFile deleted = alpha.beta().files().delete(file.id()).validate();
    assertThat(deleted.id()).isEqualTo(file.id());
    assertThat(deleted.type()).contains(BetaDeletedFile.Type.FILE_DELETED);
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> alpha.beta().files().retrieveMetadata(file.id()));
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> alpha.beta().files().delete(file.id()));
  }

  @Test
  void wrongKeyIsUnauthorized() {
    AnthropicClient stranger = SdkClients.client(server, "sk-not-a-key-of-this-server");
    try {
      expectApiError(
          UnauthorizedException.class,
          401,
          "authentication_error",
          () -> stranger.beta().files().list());
      expectApiError(
          UnauthorizedException.class,
          401,
          "authentication_error",
          () -> upload(stranger, "x.txt", "text/plain", "x"));
    } finally {
      stranger.close();
    }
  }

  @Test
  void otherWorkspacesFileIsNotFound() {
    BetaFileMetadata file = upload("alpha only");
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> beta.beta().files().retrieveMetadata(file.id()));
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> beta.beta().files().download(file.id()));
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> beta.beta().files().delete(file.id()));
    assertThat(beta.beta().files().list().autoPager().stream().map(BetaFileMetadata::id))
        .doesNotContain(file.id());
    assertThat(alpha.beta().files().retrieveMetadata(file.id()).validate()).isEqualTo(file);
  }

  @Test
  void mismatchedWorkspaceIdIsPermissionDenied() {
    String own;
    String others;
    try (var raw =
        alpha.beta().files().withRawResponse().list(FileListParams.none(), RequestOptions.none())) {
      own = raw.workspaceId().orElseThrow();
    }
    try (var raw =
        beta.beta().files().withRawResponse().list(FileListParams.none(), RequestOptions.none())) {
      others = raw.workspaceId().orElseThrow();
    }
    assertThat(own).isNotEqualTo(others);
    assertThat(alpha.beta().files().list(FileListParams.builder().workspaceId(own).build()).data())
        .allSatisfy(BetaFileMetadata::validate);
    expectApiError(
        PermissionDeniedException.class,
        403,
        "permission_error",
        () -> alpha.beta().files().list(FileListParams.builder().workspaceId(others).build()));
  }

  @Test
  void limitOutOfRangeIsBadRequest() {
    expectApiError(
        BadRequestException.class,
        400,
        "invalid_request_error",
        () -> alpha.beta().files().list(FileListParams.builder().limit(0).build()));
    expectApiError(
        BadRequestException.class,
        400,
        "invalid_request_error",
        () -> alpha.beta().files().list(FileListParams.builder().limit(1001).build()));
  }

  @Test
  void uploadOverTheLimitIsContentTooLarge() {
    TestServer limited = TestServer.start(c -> c.withMaxUploadBytes(1024));
    AnthropicClient client = SdkClients.client(limited);
    try {
      assertThat(upload(client, "ok.txt", "text/plain", "x".repeat(1024)).sizeBytes())
          .isEqualTo(1024);
      expectApiError(
          ContentTooLargeException.class,
          413,
          "request_too_large",
          () -> upload(client, "big.txt", "text/plain", "x".repeat(1025)));
      expectApiError(
          ContentTooLargeException.class,
          413,
          "request_too_large",
          () -> upload(client, "huge.bin", "application/octet-stream", "x".repeat(1 << 20)));
    } finally {
      client.close();
      limited.close();
    }
  }
}
