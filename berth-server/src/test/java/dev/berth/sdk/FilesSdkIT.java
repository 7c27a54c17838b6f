package dev.berth.sdk;

import static dev.berth.testing.SdkClients.expectApiError;
import static dev.berth.testing.SdkClients.expectBadRequest;
import static dev.berth.testing.SdkClients.expectNotFound;
import static dev.berth.testing.SdkClients.expectTooLarge;
import static dev.berth.testing.SdkServer.withLimitedServer;
import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.core.JsonValue;
import com.anthropic.core.RequestOptions;
import com.anthropic.errors.PermissionDeniedException;
import com.anthropic.models.beta.files.BetaDeletedFile;
import com.anthropic.models.beta.files.BetaFileMetadata;
import com.anthropic.models.beta.files.FileListPage;
import com.anthropic.models.beta.files.FileListParams;
import com.anthropic.models.beta.files.FileUploadParams;
import com.anthropic.models.files.FileNotDownloadableException;
import dev.berth.testing.SdkFixtures;
import dev.berth.testing.SdkServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The Files API (spec §6) through the official Java SDK with strict response validation. */
class FilesSdkIT {
  private static final String UNKNOWN_FILE = "file_01" + "0".repeat(22);
  private static final String UNKNOWN_SESSION = "sesn_01" + "0".repeat(22);

  @RegisterExtension static final SdkServer server = new SdkServer();

  static BetaFileMetadata upload(String text) {
    return SdkFixtures.upload(server.alphaClient(), "data.csv", "text/csv", text);
  }

  @Test
  void uploadReturnsValidMetadata() {
    OffsetDateTime before = OffsetDateTime.now(ZoneOffset.UTC).minusSeconds(1);
    BetaFileMetadata file = upload("a,b\n1,2\n");
    assertThat(file.id()).matches("file_01[0-9A-Za-z]{22}");
    assertThat(file.filename()).isEqualTo("data.csv");
    assertThat(file.mimeType()).isEqualTo("text/csv");
    assertThat(file.sizeBytes()).isEqualTo(8);
    assertThat(file._type()).isEqualTo(JsonValue.from("file"));
    assertThat(file.downloadable()).contains(false);
    assertThat(file.expiresAt()).isEmpty();
    assertThat(file.scope()).isEmpty();
    assertThat(file.createdAt())
        .isAfter(before)
        .isBefore(OffsetDateTime.now(ZoneOffset.UTC).plusSeconds(1));
  }

  @Test
  void uploadOfBytesWithoutFilenameIsUnnamed() {
    BetaFileMetadata file =
        server
            .alphaClient()
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
        server
            .alphaClient()
            .beta()
            .files()
            .upload(FileUploadParams.builder().file(csv).build())
            .validate();
    assertThat(file.filename()).isEqualTo("report.csv");
    assertThat(file.mimeType()).isEqualTo("text/csv");
  }

  @Test
  void uploadWithExpiryHasExpiresAt() {
    BetaFileMetadata file =
        server
            .alphaClient()
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
    try (var raw =
        server.alphaClient().beta().files().withRawResponse().retrieveMetadata(file.id())) {
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
      mine.add(
          SdkFixtures.upload(server.alphaClient(), "page-" + i + ".txt", "text/plain", "page " + i)
              .id());
    }
    List<String> seen = new ArrayList<>();
    FileListPage first =
        server.alphaClient().beta().files().list(FileListParams.builder().limit(2).build());
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
    FileListPage page =
        server.alphaClient().beta().files().list(FileListParams.builder().limit(1).build());
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
        server
            .alphaClient()
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
        server
            .alphaClient()
            .beta()
            .files()
            .list(FileListParams.builder().scopeId(UNKNOWN_SESSION).build());
    assertThat(page.data()).isEmpty();
    assertThat(page.hasNextPage()).isFalse();
    assertThat(page.autoPager().stream().count()).isZero();
  }

  @Test
  void downloadOfUploadedFileIsNotDownloadable() {
    BetaFileMetadata file = upload("private");
    var e = expectBadRequest(() -> server.alphaClient().beta().files().download(file.id()));
    assertThat(e).isInstanceOf(FileNotDownloadableException.class);
    assertThat(e.errorCode()).contains("file_not_downloadable");
  }

  @Test
  void deleteReturnsFileDeletedAndTheFileIsGone() {
    BetaFileMetadata file = upload("delete me");
    BetaDeletedFile deleted = server.alphaClient().beta().files().delete(file.id()).validate();
    assertThat(deleted.id()).isEqualTo(file.id());
    assertThat(deleted.type()).contains(BetaDeletedFile.Type.FILE_DELETED);
    expectNotFound(() -> server.alphaClient().beta().files().retrieveMetadata(file.id()));
    expectNotFound(() -> server.alphaClient().beta().files().delete(file.id()));
  }

  @Test
  void wrongKeyIsUnauthorized() {
    server.expectUnauthorized(
        stranger -> stranger.beta().files().list(),
        stranger -> SdkFixtures.upload(stranger, "x.txt", "text/plain", "x"));
  }

  @Test
  void otherWorkspacesFileIsNotFound() {
    BetaFileMetadata file = upload("alpha only");
    server.expectNotFoundForBeta(
        other -> other.beta().files().retrieveMetadata(file.id()),
        other -> {
          try (var download = other.beta().files().download(file.id())) {
            throw new AssertionError("downloaded with status " + download.statusCode());
          }
        },
        other -> other.beta().files().delete(file.id()));
    assertThat(
            server.betaClient().beta().files().list().autoPager().stream()
                .map(BetaFileMetadata::id))
        .doesNotContain(file.id());
    assertThat(server.alphaClient().beta().files().retrieveMetadata(file.id()).validate())
        .isEqualTo(file);
  }

  @Test
  void mismatchedWorkspaceIdIsPermissionDenied() {
    String own;
    String others;
    try (var raw =
        server
            .alphaClient()
            .beta()
            .files()
            .withRawResponse()
            .list(FileListParams.none(), RequestOptions.none())) {
      own = raw.workspaceId().orElseThrow();
    }
    try (var raw =
        server
            .betaClient()
            .beta()
            .files()
            .withRawResponse()
            .list(FileListParams.none(), RequestOptions.none())) {
      others = raw.workspaceId().orElseThrow();
    }
    assertThat(own).isNotEqualTo(others);
    assertThat(
            server
                .alphaClient()
                .beta()
                .files()
                .list(FileListParams.builder().workspaceId(own).build())
                .data())
        .allSatisfy(BetaFileMetadata::validate);
    expectApiError(
        PermissionDeniedException.class,
        403,
        "permission_error",
        () ->
            server
                .alphaClient()
                .beta()
                .files()
                .list(FileListParams.builder().workspaceId(others).build()));
  }

  @Test
  void limitOutOfRangeIsBadRequest() {
    expectBadRequest(
        () -> server.alphaClient().beta().files().list(FileListParams.builder().limit(0).build()));
    expectBadRequest(
        () ->
            server.alphaClient().beta().files().list(FileListParams.builder().limit(1001).build()));
  }

  @Test
  void uploadOverTheLimitIsContentTooLarge() {
    withLimitedServer(
        List.of("--max-upload-bytes", "1024"),
        client -> {
          assertThat(
                  SdkFixtures.upload(client, "ok.txt", "text/plain", "x".repeat(1024)).sizeBytes())
              .isEqualTo(1024);
          expectTooLarge(
              () -> SdkFixtures.upload(client, "big.txt", "text/plain", "x".repeat(1025)));
          expectTooLarge(
              () ->
                  SdkFixtures.upload(
                      client, "huge.bin", "application/octet-stream", "x".repeat(1 << 20)));
        });
  }
}
