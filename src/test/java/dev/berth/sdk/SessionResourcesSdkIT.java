package dev.berth.sdk;

import static dev.berth.testing.SdkClients.expectApiError;
import static dev.berth.testing.SdkFixtures.sandboxPath;
import static dev.berth.testing.SdkFixtures.session;
import static dev.berth.testing.SdkFixtures.upload;
import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.Sleeper;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.ConflictException;
import com.anthropic.errors.ContentTooLargeException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.models.beta.files.BetaFileMetadata;
import com.anthropic.models.beta.files.FileListParams;
import com.anthropic.models.beta.sessions.BetaManagedAgentsFileResourceParams;
import com.anthropic.models.beta.sessions.BetaManagedAgentsSession;
import com.anthropic.models.beta.sessions.resources.BetaManagedAgentsDeleteSessionResource;
import com.anthropic.models.beta.sessions.resources.BetaManagedAgentsFileResource;
import com.anthropic.models.beta.sessions.resources.BetaManagedAgentsSessionResource;
import com.anthropic.models.beta.sessions.resources.ResourceAddParams;
import com.anthropic.models.beta.sessions.resources.ResourceDeleteParams;
import com.anthropic.models.beta.sessions.resources.ResourceListPage;
import com.anthropic.models.beta.sessions.resources.ResourceListParams;
import com.anthropic.models.beta.sessions.resources.ResourceRetrieveParams;
import com.anthropic.models.beta.sessions.resources.ResourceRetrieveResponse;
import com.anthropic.models.beta.sessions.resources.ResourceUpdateParams;
import dev.berth.config.BerthConfig;
import dev.berth.testing.SdkClients;
import dev.berth.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Session resources (spec §2) through the official Java SDK with strict response validation: a
 * mounted file's bytes appear in the session's sandbox on disk and go when the resource does.
 */
class SessionResourcesSdkIT {
  private static final String UNKNOWN_SESSION = "sesn_01" + "0".repeat(22);
  private static final String UNKNOWN_RESOURCE = "sesrsc_01" + "0".repeat(22);
  private static final String UNKNOWN_FILE = "file_01" + "0".repeat(22);

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

  static BetaManagedAgentsFileResource add(
      AnthropicClient client, String sessionId, String fileId, String mountPath) {
    BetaManagedAgentsFileResourceParams.Builder file =
        BetaManagedAgentsFileResourceParams.builder().fileId(fileId);
    if (mountPath != null) {
      file.mountPath(mountPath);
    }
    return client
        .beta()
        .sessions()
        .resources()
        .add(
            sessionId,
            ResourceAddParams.builder().betaManagedAgentsFileResourceParams(file.build()).build())
        .validate();
  }

  static BetaManagedAgentsDeleteSessionResource delete(
      AnthropicClient client, String sessionId, String resourceId) {
    return client
        .beta()
        .sessions()
        .resources()
        .delete(resourceId, ResourceDeleteParams.builder().sessionId(sessionId).build())
        .validate();
  }

  static ResourceRetrieveResponse retrieve(
      AnthropicClient client, String sessionId, String resourceId) {
    return client
        .beta()
        .sessions()
        .resources()
        .retrieve(resourceId, ResourceRetrieveParams.builder().sessionId(sessionId).build())
        .validate();
  }

  static List<BetaManagedAgentsSessionResource> listAll(String sessionId) {
    List<BetaManagedAgentsSessionResource> out = new ArrayList<>();
    ResourceListPage first =
        alpha
            .beta()
            .sessions()
            .resources()
            .list(sessionId, ResourceListParams.builder().limit(2).build());
    for (BetaManagedAgentsSessionResource r : first.autoPager()) {
      out.add(r.validate());
    }
    return out;
  }

  @Test
  void addMountsTheBytesAndDeleteRemovesThem() throws Exception {
    String text = "id,total\n1,42.50\n2,7.25\n";
    BetaFileMetadata file = upload(alpha, "receipts.csv", text);
    BetaManagedAgentsSession session = session(alpha);

    BetaManagedAgentsFileResource resource =
        alpha
            .beta()
            .sessions()
            .resources()
            .add(
                session.id(),
                ResourceAddParams.builder()
                    .fileBetaManagedAgentsFileResourceParams(file.id())
                    .build())
            .validate();
    assertThat(resource.id()).matches("sesrsc_01[0-9A-Za-z]{22}");
    assertThat(resource._type().asString()).contains("file");
    assertThat(resource.fileId()).matches("file_01[0-9A-Za-z]{22}").isNotEqualTo(file.id());
    assertThat(resource.mountPath()).isEqualTo("/mnt/session/uploads/" + file.id());
    assertThat(resource.createdAt()).isEqualTo(resource.updatedAt());

    Path onDisk = sandboxPath(server, session.id(), resource.mountPath());
    assertThat(Files.readString(onDisk)).isEqualTo(text);

    List<BetaFileMetadata> copies =
        alpha.beta().files().list(FileListParams.builder().scopeId(session.id()).build()).data();
    assertThat(copies).extracting(BetaFileMetadata::id).containsExactly(resource.fileId());
    BetaFileMetadata copy = copies.get(0).validate();
    assertThat(copy.downloadable()).contains(false);
    assertThat(copy.filename()).isEqualTo("receipts.csv");
    assertThat(copy.scope()).hasValueSatisfying(s -> assertThat(s.id()).isEqualTo(session.id()));

    BetaManagedAgentsDeleteSessionResource deleted =
        alpha
            .beta()
            .sessions()
            .resources()
            .delete(resource.id(), ResourceDeleteParams.builder().sessionId(session.id()).build())
            .validate();
    assertThat(deleted.id()).isEqualTo(resource.id());
    assertThat(deleted._type().asString()).contains("session_resource_deleted");
    assertThat(onDisk).doesNotExist();
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> retrieve(alpha, session.id(), resource.id()));
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> delete(alpha, session.id(), resource.id()));
    assertThat(
            alpha
                .beta()
                .files()
                .list(FileListParams.builder().scopeId(session.id()).build())
                .data())
        .isEmpty();
    assertThat(alpha.beta().files().retrieveMetadata(file.id()).validate().id())
        .isEqualTo(file.id());
  }

  @Test
  void givenMountPathIsPlacedUnderTheUploadsRoot() throws Exception {
    BetaFileMetadata file = upload(alpha, "in.csv", "x,y\n");
    BetaManagedAgentsSession session = session(alpha);
    var placed = add(alpha, session.id(), file.id(), "/data/in.csv");
    assertThat(placed.mountPath()).isEqualTo("/mnt/session/uploads/data/in.csv");
    var kept = add(alpha, session.id(), file.id(), "/mnt/session/uploads/other.csv");
    assertThat(kept.mountPath()).isEqualTo("/mnt/session/uploads/other.csv");
    for (var r : List.of(placed, kept)) {
      assertThat(Files.readString(sandboxPath(server, session.id(), r.mountPath())))
          .isEqualTo("x,y\n");
    }
  }

  @Test
  void listAutoPagesInAttachOrderAndRetrieveReturnsEach() {
    BetaManagedAgentsSession session = session(alpha);
    List<BetaManagedAgentsFileResource> added = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      added.add(add(alpha, session.id(), upload(alpha, "f" + i, "row " + i).id(), null));
    }
    ResourceListPage first =
        alpha
            .beta()
            .sessions()
            .resources()
            .list(session.id(), ResourceListParams.builder().limit(2).build());
    assertThat(first.data()).hasSize(2);
    assertThat(first.hasNextPage()).isTrue();
    List<BetaManagedAgentsSessionResource> all = listAll(session.id());
    assertThat(all).allSatisfy(r -> assertThat(r.isFile()).isTrue());
    assertThat(all).extracting(r -> r.asFile()).containsExactlyElementsOf(added);
    for (var r : added) {
      ResourceRetrieveResponse got = retrieve(alpha, session.id(), r.id());
      assertThat(got.isFile()).isTrue();
      assertThat(got.asFile()).isEqualTo(r);
      assertThat(got.id()).contains(r.id());
    }
  }

  @Test
  void updatingAFileResourceIsBadRequest() {
    BetaManagedAgentsSession session = session(alpha);
    var r = add(alpha, session.id(), upload(alpha, "a", "a").id(), null);
    expectApiError(
        BadRequestException.class,
        400,
        "invalid_request_error",
        () ->
            alpha
                .beta()
                .sessions()
                .resources()
                .update(
                    r.id(),
                    ResourceUpdateParams.builder()
                        .sessionId(session.id())
                        .authorizationToken("ghp_exampletoken")
                        .build()));
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () ->
            alpha
                .beta()
                .sessions()
                .resources()
                .update(
                    UNKNOWN_RESOURCE,
                    ResourceUpdateParams.builder()
                        .sessionId(session.id())
                        .authorizationToken("ghp_exampletoken")
                        .build()));
  }

  @Test
  void takenOrOverlappingMountPathIsAConflictThatIsNotRetried() {
    BetaFileMetadata file = upload(alpha, "in.csv", "x");
    BetaManagedAgentsSession session = session(alpha);
    add(alpha, session.id(), file.id(), "/data/in.csv");
    AtomicInteger sleeps = new AtomicInteger();
    AnthropicClient counting =
        AnthropicOkHttpClient.builder()
            .apiKey(TestServer.KEY)
            .baseUrl(server.baseUrl())
            .responseValidation(true)
            .sleeper(new CountingSleeper(sleeps))
            .build();
    try {
      for (String path : List.of("/data/in.csv", "/data/in.csv/inner", "/data")) {
        var e =
            expectApiError(
                ConflictException.class,
                409,
                "conflict_error",
                () -> add(counting, session.id(), file.id(), path));
        assertThat(e.headers().values("x-should-retry")).containsExactly("false");
      }
    } finally {
      counting.close();
    }
    assertThat(sleeps).as("the SDK waited to retry a 409").hasValue(0);
    assertThat(listAll(session.id())).hasSize(1);
  }

  @Test
  void invalidMountPathsAndMissingFileAreBadRequests() {
    BetaFileMetadata file = upload(alpha, "a", "a");
    BetaManagedAgentsSession session = session(alpha);
    for (String path :
        List.of(
            "relative.csv",
            "/a/../b",
            "/a//b",
            "/dir/",
            "/a/./b",
            "/nul\u0000",
            "",
            "/" + "a".repeat(4096))) {
      expectApiError(
          BadRequestException.class,
          400,
          "invalid_request_error",
          () -> add(alpha, session.id(), file.id(), path));
    }
    assertThat(listAll(session.id())).isEmpty();
  }

  @Test
  void moreThanTheFileLimitIsBadRequest() {
    BetaFileMetadata file = upload(alpha, "x", "x");
    BetaManagedAgentsSession session =
        session(
            alpha,
            p -> {
              for (int i = 0; i < 100; i++) {
                p.addResource(
                    BetaManagedAgentsFileResourceParams.builder()
                        .fileId(file.id())
                        .mountPath("/many/" + i)
                        .build());
              }
              return p;
            });
    assertThat(session.resources()).hasSize(100);
    expectApiError(
        BadRequestException.class,
        400,
        "invalid_request_error",
        () -> add(alpha, session.id(), file.id(), null));
    delete(alpha, session.id(), session.resources().get(0).id().orElseThrow());
    assertThat(add(alpha, session.id(), file.id(), null).mountPath())
        .isEqualTo("/mnt/session/uploads/" + file.id());
  }

  @Test
  void archivedSessionResourcesAreReadOnly() {
    BetaFileMetadata file = upload(alpha, "a", "a");
    BetaManagedAgentsSession session = session(alpha);
    var r = add(alpha, session.id(), file.id(), null);
    alpha.beta().sessions().archive(session.id()).validate();
    expectApiError(
        BadRequestException.class,
        400,
        "invalid_request_error",
        () -> add(alpha, session.id(), file.id(), "/b"));
    expectApiError(
        BadRequestException.class,
        400,
        "invalid_request_error",
        () -> delete(alpha, session.id(), r.id()));
    assertThat(retrieve(alpha, session.id(), r.id()).asFile()).isEqualTo(r);
    assertThat(listAll(session.id())).hasSize(1);
    assertThat(sandboxPath(server, session.id(), r.mountPath())).exists();
  }

  @Test
  void unknownSessionsFilesAndResourcesAreNotFound() {
    BetaFileMetadata file = upload(alpha, "a", "a");
    BetaManagedAgentsSession session = session(alpha);
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> add(alpha, UNKNOWN_SESSION, file.id(), null));
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> alpha.beta().sessions().resources().list(UNKNOWN_SESSION));
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> add(alpha, session.id(), UNKNOWN_FILE, null));
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> retrieve(alpha, session.id(), UNKNOWN_RESOURCE));
    var r = add(alpha, session.id(), file.id(), null);
    BetaManagedAgentsSession other = session(alpha);
    expectApiError(
        NotFoundException.class, 404, "not_found_error", () -> retrieve(alpha, other.id(), r.id()));
    expectApiError(
        NotFoundException.class, 404, "not_found_error", () -> delete(alpha, other.id(), r.id()));
  }

  @Test
  void otherWorkspacesObjectsAreNotFound() {
    BetaFileMetadata file = upload(alpha, "a", "a");
    BetaManagedAgentsSession session = session(alpha);
    var r = add(alpha, session.id(), file.id(), null);
    BetaFileMetadata theirFile = upload(beta, "b", "b");
    BetaManagedAgentsSession theirs = session(beta);
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> add(beta, session.id(), theirFile.id(), null));
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> add(beta, theirs.id(), file.id(), null));
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> add(alpha, session.id(), theirFile.id(), "/t"));
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> beta.beta().sessions().resources().list(session.id()));
    expectApiError(
        NotFoundException.class,
        404,
        "not_found_error",
        () -> retrieve(beta, session.id(), r.id()));
    expectApiError(
        NotFoundException.class, 404, "not_found_error", () -> delete(beta, session.id(), r.id()));
    assertThat(sandboxPath(server, session.id(), r.mountPath())).exists();
  }

  @Test
  void wrongKeyIsUnauthorizedEverywhere() {
    AnthropicClient stranger = SdkClients.client(server, "sk-not-a-key-of-this-server");
    try {
      expectApiError(
          UnauthorizedException.class,
          401,
          "authentication_error",
          () -> add(stranger, UNKNOWN_SESSION, UNKNOWN_FILE, null));
      expectApiError(
          UnauthorizedException.class,
          401,
          "authentication_error",
          () -> stranger.beta().sessions().resources().list(UNKNOWN_SESSION));
      expectApiError(
          UnauthorizedException.class,
          401,
          "authentication_error",
          () -> retrieve(stranger, UNKNOWN_SESSION, UNKNOWN_RESOURCE));
      expectApiError(
          UnauthorizedException.class,
          401,
          "authentication_error",
          () -> delete(stranger, UNKNOWN_SESSION, UNKNOWN_RESOURCE));
    } finally {
      stranger.close();
    }
  }

  @Test
  void bodyOverTheJsonLimitIsContentTooLarge() {
    TestServer limited = TestServer.start(SessionResourcesSdkIT::smallJson);
    AnthropicClient client = SdkClients.client(limited);
    try {
      BetaFileMetadata file = upload(client, "a", "a");
      BetaManagedAgentsSession session = session(client);
      expectApiError(
          ContentTooLargeException.class,
          413,
          "request_too_large",
          () -> add(client, session.id(), file.id(), "/" + "a".repeat(5000)));
      assertThat(client.beta().sessions().resources().list(session.id()).data()).isEmpty();
    } finally {
      client.close();
      limited.close();
    }
  }

  /** The defaults with a 4096-byte JSON body limit. */
  static BerthConfig smallJson(BerthConfig c) {
    return new BerthConfig(
        c.dataDir(),
        c.host(),
        c.port(),
        c.maxUploadBytes(),
        4096,
        c.maxFilesPerSession(),
        c.uploadsDownloadable(),
        c.apiKeys());
  }

  /** Counts the SDK's waits before a retry instead of waiting. */
  record CountingSleeper(AtomicInteger count) implements Sleeper {
    @Override
    public void sleep(Duration duration) {
      count.incrementAndGet();
    }

    @Override
    public CompletableFuture<Void> sleepAsync(Duration duration) {
      count.incrementAndGet();
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public void close() {}
  }
}
