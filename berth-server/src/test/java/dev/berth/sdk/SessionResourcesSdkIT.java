package dev.berth.sdk;

import static dev.berth.testing.SdkClients.expectBadRequest;
import static dev.berth.testing.SdkClients.expectConflict;
import static dev.berth.testing.SdkClients.expectNotFound;
import static dev.berth.testing.SdkClients.expectTooLarge;
import static dev.berth.testing.SdkFixtures.fileResource;
import static dev.berth.testing.SdkFixtures.retrieve;
import static dev.berth.testing.SdkFixtures.sandboxPath;
import static dev.berth.testing.SdkFixtures.session;
import static dev.berth.testing.SdkFixtures.sessionFiles;
import static dev.berth.testing.SdkFixtures.updateToken;
import static dev.berth.testing.SdkFixtures.upload;
import static dev.berth.testing.SdkServer.withLimitedServer;
import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.Sleeper;
import com.anthropic.models.beta.files.BetaFileMetadata;
import com.anthropic.models.beta.sessions.BetaManagedAgentsFileResourceParams;
import com.anthropic.models.beta.sessions.BetaManagedAgentsSession;
import com.anthropic.models.beta.sessions.resources.BetaManagedAgentsDeleteSessionResource;
import com.anthropic.models.beta.sessions.resources.BetaManagedAgentsFileResource;
import com.anthropic.models.beta.sessions.resources.BetaManagedAgentsSessionResource;
import com.anthropic.models.beta.sessions.resources.ResourceAddParams;
import com.anthropic.models.beta.sessions.resources.ResourceDeleteParams;
import com.anthropic.models.beta.sessions.resources.ResourceListPage;
import com.anthropic.models.beta.sessions.resources.ResourceListParams;
import com.anthropic.models.beta.sessions.resources.ResourceRetrieveResponse;
import dev.berth.testing.SdkServer;
import dev.berth.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Session resources (spec §2) through the official Java SDK with strict response validation: a
 * mounted file's bytes appear in the session's sandbox on disk and go when the resource does.
 */
class SessionResourcesSdkIT {
  private static final String UNKNOWN_SESSION = "sesn_01" + "0".repeat(22);
  private static final String UNKNOWN_RESOURCE = "sesrsc_01" + "0".repeat(22);
  private static final String UNKNOWN_FILE = "file_01" + "0".repeat(22);

  @RegisterExtension static final SdkServer server = new SdkServer();

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

  static List<BetaManagedAgentsSessionResource> listAll(String sessionId) {
    List<BetaManagedAgentsSessionResource> out = new ArrayList<>();
    ResourceListPage first =
        server
            .alphaClient()
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
    BetaFileMetadata file = upload(server.alphaClient(), "receipts.csv", text);
    BetaManagedAgentsSession session = session(server.alphaClient());

    BetaManagedAgentsFileResource resource =
        server
            .alphaClient()
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
    assertThat(resource._type()).isEqualTo(JsonValue.from("file"));
    assertThat(resource.fileId()).matches("file_01[0-9A-Za-z]{22}").isNotEqualTo(file.id());
    assertThat(resource.mountPath()).isEqualTo("/mnt/session/uploads/" + file.id());
    assertThat(resource.createdAt()).isEqualTo(resource.updatedAt());

    Path onDisk = sandboxPath(server.get(), session.id(), resource.mountPath());
    assertThat(Files.readString(onDisk)).isEqualTo(text);

    List<BetaFileMetadata> copies = sessionFiles(server.alphaClient(), session.id());
    assertThat(copies).extracting(BetaFileMetadata::id).containsExactly(resource.fileId());
    BetaFileMetadata copy = copies.get(0).validate();
    assertThat(copy.downloadable()).contains(false);
    assertThat(copy.filename()).isEqualTo("receipts.csv");
    assertThat(copy.scope()).hasValueSatisfying(s -> assertThat(s.id()).isEqualTo(session.id()));

    BetaManagedAgentsDeleteSessionResource deleted =
        delete(server.alphaClient(), session.id(), resource.id());
    assertThat(deleted.id()).isEqualTo(resource.id());
    assertThat(deleted._type()).isEqualTo(JsonValue.from("session_resource_deleted"));
    assertThat(onDisk).doesNotExist();
    expectNotFound(() -> retrieve(server.alphaClient(), session.id(), resource.id()));
    expectNotFound(() -> delete(server.alphaClient(), session.id(), resource.id()));
    assertThat(sessionFiles(server.alphaClient(), session.id())).isEmpty();
    assertThat(server.alphaClient().beta().files().retrieveMetadata(file.id()).validate().id())
        .isEqualTo(file.id());
  }

  @Test
  void givenMountPathIsPlacedUnderTheUploadsRoot() throws Exception {
    BetaFileMetadata file = upload(server.alphaClient(), "in.csv", "x,y\n");
    BetaManagedAgentsSession session = session(server.alphaClient());
    var placed = add(server.alphaClient(), session.id(), file.id(), "/data/in.csv");
    assertThat(placed.mountPath()).isEqualTo("/mnt/session/uploads/data/in.csv");
    var kept = add(server.alphaClient(), session.id(), file.id(), "/mnt/session/uploads/other.csv");
    assertThat(kept.mountPath()).isEqualTo("/mnt/session/uploads/other.csv");
    for (var r : List.of(placed, kept)) {
      assertThat(Files.readString(sandboxPath(server.get(), session.id(), r.mountPath())))
          .isEqualTo("x,y\n");
    }
  }

  @Test
  void listAutoPagesInAttachOrderAndRetrieveReturnsEach() {
    BetaManagedAgentsSession session = session(server.alphaClient());
    List<BetaManagedAgentsFileResource> added = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      added.add(
          add(
              server.alphaClient(),
              session.id(),
              upload(server.alphaClient(), "f" + i, "row " + i).id(),
              null));
    }
    ResourceListPage first =
        server
            .alphaClient()
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
      ResourceRetrieveResponse got = retrieve(server.alphaClient(), session.id(), r.id());
      assertThat(got.isFile()).isTrue();
      assertThat(got.asFile()).isEqualTo(r);
      assertThat(got.id()).contains(r.id());
    }
  }

  @Test
  void updatingAFileResourceIsBadRequest() {
    BetaManagedAgentsSession session = session(server.alphaClient());
    var r =
        add(server.alphaClient(), session.id(), upload(server.alphaClient(), "a", "a").id(), null);
    expectBadRequest(
        () -> updateToken(server.alphaClient(), session.id(), r.id(), "ghp_exampletoken"));
    expectNotFound(
        () ->
            updateToken(server.alphaClient(), session.id(), UNKNOWN_RESOURCE, "ghp_exampletoken"));
  }

  @Test
  void takenOrOverlappingMountPathIsAConflictThatIsNotRetried() {
    BetaFileMetadata file = upload(server.alphaClient(), "in.csv", "x");
    BetaManagedAgentsSession session = session(server.alphaClient());
    add(server.alphaClient(), session.id(), file.id(), "/data/in.csv");
    AtomicInteger sleeps = new AtomicInteger();
    AnthropicClient counting =
        AnthropicOkHttpClient.builder()
            .apiKey(TestServer.KEY)
            .baseUrl(server.get().baseUrl())
            .responseValidation(true)
            .sleeper(new CountingSleeper(sleeps))
            .build();
    try {
      for (String path : List.of("/data/in.csv", "/data/in.csv/inner", "/data")) {
        var e = expectConflict(() -> add(counting, session.id(), file.id(), path));
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
    BetaFileMetadata file = upload(server.alphaClient(), "a", "a");
    BetaManagedAgentsSession session = session(server.alphaClient());
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
      expectBadRequest(() -> add(server.alphaClient(), session.id(), file.id(), path));
    }
    assertThat(listAll(session.id())).isEmpty();
  }

  @Test
  void moreThanTheFileLimitIsBadRequest() {
    BetaFileMetadata file = upload(server.alphaClient(), "x", "x");
    BetaManagedAgentsSession session =
        session(
            server.alphaClient(),
            p -> {
              for (int i = 0; i < 100; i++) {
                p.addResource(fileResource(file.id(), "/many/" + i));
              }
              return p;
            });
    assertThat(session.resources()).hasSize(100);
    expectBadRequest(() -> add(server.alphaClient(), session.id(), file.id(), null));
    delete(server.alphaClient(), session.id(), session.resources().get(0).id().orElseThrow());
    assertThat(add(server.alphaClient(), session.id(), file.id(), null).mountPath())
        .isEqualTo("/mnt/session/uploads/" + file.id());
  }

  @Test
  void archivedSessionResourcesAreReadOnly() {
    BetaFileMetadata file = upload(server.alphaClient(), "a", "a");
    BetaManagedAgentsSession session = session(server.alphaClient());
    var r = add(server.alphaClient(), session.id(), file.id(), null);
    server.alphaClient().beta().sessions().archive(session.id()).validate();
    expectBadRequest(() -> add(server.alphaClient(), session.id(), file.id(), "/b"));
    expectBadRequest(() -> delete(server.alphaClient(), session.id(), r.id()));
    assertThat(retrieve(server.alphaClient(), session.id(), r.id()).asFile()).isEqualTo(r);
    assertThat(listAll(session.id())).hasSize(1);
    assertThat(sandboxPath(server.get(), session.id(), r.mountPath())).exists();
  }

  @Test
  void unknownSessionsFilesAndResourcesAreNotFound() {
    BetaFileMetadata file = upload(server.alphaClient(), "a", "a");
    BetaManagedAgentsSession session = session(server.alphaClient());
    expectNotFound(() -> add(server.alphaClient(), UNKNOWN_SESSION, file.id(), null));
    expectNotFound(() -> server.alphaClient().beta().sessions().resources().list(UNKNOWN_SESSION));
    expectNotFound(() -> add(server.alphaClient(), session.id(), UNKNOWN_FILE, null));
    expectNotFound(() -> retrieve(server.alphaClient(), session.id(), UNKNOWN_RESOURCE));
    var r = add(server.alphaClient(), session.id(), file.id(), null);
    BetaManagedAgentsSession other = session(server.alphaClient());
    expectNotFound(() -> retrieve(server.alphaClient(), other.id(), r.id()));
    expectNotFound(() -> delete(server.alphaClient(), other.id(), r.id()));
  }

  @Test
  void otherWorkspacesObjectsAreNotFound() {
    BetaFileMetadata file = upload(server.alphaClient(), "a", "a");
    BetaManagedAgentsSession session = session(server.alphaClient());
    var r = add(server.alphaClient(), session.id(), file.id(), null);
    BetaFileMetadata theirFile = upload(server.betaClient(), "b", "b");
    BetaManagedAgentsSession theirs = session(server.betaClient());
    expectNotFound(() -> add(server.betaClient(), session.id(), theirFile.id(), null));
    expectNotFound(() -> add(server.betaClient(), theirs.id(), file.id(), null));
    expectNotFound(() -> add(server.alphaClient(), session.id(), theirFile.id(), "/t"));
    expectNotFound(() -> server.betaClient().beta().sessions().resources().list(session.id()));
    expectNotFound(() -> retrieve(server.betaClient(), session.id(), r.id()));
    expectNotFound(() -> delete(server.betaClient(), session.id(), r.id()));
    assertThat(sandboxPath(server.get(), session.id(), r.mountPath())).exists();
  }

  @Test
  void wrongKeyIsUnauthorizedEverywhere() {
    server.expectUnauthorized(
        stranger -> add(stranger, UNKNOWN_SESSION, UNKNOWN_FILE, null),
        stranger -> stranger.beta().sessions().resources().list(UNKNOWN_SESSION),
        stranger -> retrieve(stranger, UNKNOWN_SESSION, UNKNOWN_RESOURCE),
        stranger -> delete(stranger, UNKNOWN_SESSION, UNKNOWN_RESOURCE));
  }

  @Test
  void bodyOverTheJsonLimitIsContentTooLarge() {
    withLimitedServer(
        SdkServer.SMALL_JSON,
        client -> {
          BetaFileMetadata file = upload(client, "a", "a");
          BetaManagedAgentsSession session = session(client);
          expectTooLarge(() -> add(client, session.id(), file.id(), "/" + "a".repeat(5000)));
          assertThat(client.beta().sessions().resources().list(session.id()).data()).isEmpty();
        });
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
