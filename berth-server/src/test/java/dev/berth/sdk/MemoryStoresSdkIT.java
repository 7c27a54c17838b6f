package dev.berth.sdk;

import static dev.berth.testing.SdkClients.expectApiError;
import static dev.berth.testing.SdkClients.expectBadRequest;
import static dev.berth.testing.SdkClients.expectConflict;
import static dev.berth.testing.SdkClients.expectNotFound;
import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.core.JsonValue;
import com.anthropic.errors.ConflictException;
import com.anthropic.models.beta.memorystores.BetaManagedAgentsMemoryStore;
import com.anthropic.models.beta.memorystores.MemoryStoreCreateParams;
import com.anthropic.models.beta.memorystores.MemoryStoreListParams;
import com.anthropic.models.beta.memorystores.MemoryStoreUpdateParams;
import com.anthropic.models.beta.memorystores.memories.BetaManagedAgentsDeletedMemory;
import com.anthropic.models.beta.memorystores.memories.BetaManagedAgentsMemory;
import com.anthropic.models.beta.memorystores.memories.BetaManagedAgentsMemoryListItem;
import com.anthropic.models.beta.memorystores.memories.BetaManagedAgentsMemoryView;
import com.anthropic.models.beta.memorystores.memories.BetaManagedAgentsPrecondition;
import com.anthropic.models.beta.memorystores.memories.MemoryCreateParams;
import com.anthropic.models.beta.memorystores.memories.MemoryDeleteParams;
import com.anthropic.models.beta.memorystores.memories.MemoryListPage;
import com.anthropic.models.beta.memorystores.memories.MemoryListParams;
import com.anthropic.models.beta.memorystores.memories.MemoryRetrieveParams;
import com.anthropic.models.beta.memorystores.memories.MemoryUpdateParams;
import com.anthropic.models.beta.memorystores.memoryversions.BetaManagedAgentsMemoryVersion;
import com.anthropic.models.beta.memorystores.memoryversions.BetaManagedAgentsMemoryVersionOperation;
import com.anthropic.models.beta.memorystores.memoryversions.MemoryVersionListParams;
import com.anthropic.models.beta.memorystores.memoryversions.MemoryVersionRedactParams;
import com.anthropic.models.beta.memorystores.memoryversions.MemoryVersionRetrieveParams;
import dev.berth.testing.SdkServer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Memory Stores API (spec §7) through the official Java SDK with strict response validation:
 * stores, memories and versions, every response {@code validate()}d.
 */
class MemoryStoresSdkIT {
  @RegisterExtension static final SdkServer server = new SdkServer();

  static AnthropicClient alpha() {
    return server.alphaClient();
  }

  static BetaManagedAgentsMemoryStore store(String name) {
    return alpha()
        .beta()
        .memoryStores()
        .create(MemoryStoreCreateParams.builder().name(name).build())
        .validate();
  }

  static BetaManagedAgentsMemory memory(String storeId, String path, String content) {
    return alpha()
        .beta()
        .memoryStores()
        .memories()
        .create(storeId, MemoryCreateParams.builder().path(path).content(content).build())
        .validate();
  }

  /** Every item of every page, each validated: memory paths, and prefixes as "prefix <path>". */
  static List<String> listPaths(String storeId, MemoryListParams params) {
    List<String> out = new ArrayList<>();
    MemoryListPage page = alpha().beta().memoryStores().memories().list(storeId, params);
    for (BetaManagedAgentsMemoryListItem item : page.autoPager()) {
      item.validate();
      out.add(item.isMemory() ? item.asMemory().path() : "prefix " + item.asMemoryPrefix().path());
    }
    return out;
  }

  static String sha256(String text) throws Exception {
    return HexFormat.of()
        .formatHex(
            MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  static MemoryUpdateParams.Builder update(String storeId) {
    return MemoryUpdateParams.builder().memoryStoreId(storeId);
  }

  static BetaManagedAgentsPrecondition precondition(String sha256) {
    return BetaManagedAgentsPrecondition.builder().contentSha256(sha256).build();
  }

  /** Expects a 409 {@code memory_precondition_failed_error}. */
  static ConflictException expectPreconditionFailed(ThrowingCallable call) {
    return expectApiError(ConflictException.class, 409, "memory_precondition_failed_error", call);
  }

  /** Deletes a memory on condition that its content has the digest {@code sha256}. */
  static BetaManagedAgentsDeletedMemory deleteIfDigest(
      String storeId, String memoryId, String sha256) {
    return alpha()
        .beta()
        .memoryStores()
        .memories()
        .delete(
            memoryId,
            MemoryDeleteParams.builder()
                .memoryStoreId(storeId)
                .expectedContentSha256(sha256)
                .build())
        .validate();
  }

  static MemoryRetrieveParams retrieve(String storeId) {
    return MemoryRetrieveParams.builder().memoryStoreId(storeId).build();
  }

  @Test
  void storesAreCreatedRetrievedUpdatedListedArchivedAndDeleted() {
    BetaManagedAgentsMemoryStore s =
        alpha()
            .beta()
            .memoryStores()
            .create(
                MemoryStoreCreateParams.builder()
                    .name("User Preferences")
                    .description("Per-user notes.")
                    .metadata(
                        MemoryStoreCreateParams.Metadata.builder()
                            .putAdditionalProperty("user", JsonValue.from("u1"))
                            .build())
                    .build())
            .validate();
    assertThat(s.id()).matches("memstore_01[0-9A-Za-z]{22}");
    assertThat(s.description()).isEqualTo("Per-user notes.");
    assertThat(s.metadata()._additionalProperties()).containsEntry("user", JsonValue.from("u1"));
    assertThat(s.archivedAt()).isEmpty();
    assertThat(alpha().beta().memoryStores().retrieve(s.id()).validate()).isEqualTo(s);

    BetaManagedAgentsMemoryStore renamed =
        alpha()
            .beta()
            .memoryStores()
            .update(
                s.id(),
                MemoryStoreUpdateParams.builder()
                    .name("Preferences")
                    .description("")
                    .metadata(
                        MemoryStoreUpdateParams.Metadata.builder()
                            .putAdditionalProperty("user", JsonValue.from(null))
                            .putAdditionalProperty("team", JsonValue.from("t"))
                            .build())
                    .build())
            .validate();
    assertThat(renamed.name()).isEqualTo("Preferences");
    assertThat(renamed.description()).isEmpty();
    assertThat(renamed.metadata()._additionalProperties())
        .isEqualTo(Map.of("team", JsonValue.from("t")));

    List<String> ids = new ArrayList<>();
    for (BetaManagedAgentsMemoryStore listed :
        alpha()
            .beta()
            .memoryStores()
            .list(MemoryStoreListParams.builder().limit(1).build())
            .autoPager()) {
      ids.add(listed.validate().id());
    }
    assertThat(ids).contains(s.id());

    BetaManagedAgentsMemoryStore archived =
        alpha().beta().memoryStores().archive(s.id()).validate();
    assertThat(archived.archivedAt()).isPresent();
    List<String> live = new ArrayList<>();
    alpha().beta().memoryStores().list().autoPager().forEach(x -> live.add(x.validate().id()));
    assertThat(live).doesNotContain(s.id());
    List<String> all = new ArrayList<>();
    alpha()
        .beta()
        .memoryStores()
        .list(MemoryStoreListParams.builder().includeArchived(true).build())
        .autoPager()
        .forEach(x -> all.add(x.validate().id()));
    assertThat(all).contains(s.id());

    var deleted = alpha().beta().memoryStores().delete(s.id()).validate();
    assertThat(deleted.id()).isEqualTo(s.id());
    expectNotFound(() -> alpha().beta().memoryStores().retrieve(s.id()));
  }

  @Test
  void memoriesListByPrefixAndDepthInBothViewsAcrossPages() {
    String id = store("tree").id();
    for (String p :
        List.of(
            "/notes/todo.md",
            "/notes/2026/jan.md",
            "/notes/2026/feb.md",
            "/notes-archive/old.md",
            "/readme.md")) {
      memory(id, p, "content of " + p);
    }
    assertThat(listPaths(id, MemoryListParams.builder().limit(1).build()))
        .containsExactly(
            "/notes-archive/old.md",
            "/notes/2026/feb.md",
            "/notes/2026/jan.md",
            "/notes/todo.md",
            "/readme.md");
    assertThat(listPaths(id, MemoryListParams.builder().depth(1).limit(2).build()))
        .containsExactly("prefix /notes-archive/", "prefix /notes/", "/readme.md");
    assertThat(
            listPaths(
                id, MemoryListParams.builder().pathPrefix("/notes/").depth(1).limit(1).build()))
        .containsExactly("prefix /notes/2026/", "/notes/todo.md");

    MemoryListPage full =
        alpha()
            .beta()
            .memoryStores()
            .memories()
            .list(
                id,
                MemoryListParams.builder()
                    .pathPrefix("/notes/2026/")
                    .view(BetaManagedAgentsMemoryView.FULL)
                    .build());
    List<String> contents = new ArrayList<>();
    full.autoPager()
        .forEach(item -> contents.add(item.validate().asMemory().content().orElseThrow()));
    assertThat(contents)
        .containsExactly("content of /notes/2026/feb.md", "content of /notes/2026/jan.md");
    alpha()
        .beta()
        .memoryStores()
        .memories()
        .list(id)
        .autoPager()
        .forEach(item -> assertThat(item.validate().asMemory().content()).isEmpty());
  }

  @Test
  void aMemoryIsRetrievedUpdatedUnderAPreconditionRenamedAndDeleted() throws Exception {
    String id = store("edits").id();
    BetaManagedAgentsMemory m = memory(id, "/a.md", "one");
    assertThat(m.content()).isEmpty();
    assertThat(m.contentSha256()).isEqualTo(sha256("one"));
    assertThat(m.contentSizeBytes()).isEqualTo(3);
    BetaManagedAgentsMemory read =
        alpha().beta().memoryStores().memories().retrieve(m.id(), retrieve(id)).validate();
    assertThat(read.content()).contains("one");

    BetaManagedAgentsMemory two =
        alpha()
            .beta()
            .memoryStores()
            .memories()
            .update(
                m.id(),
                update(id)
                    .content("two")
                    .precondition(precondition(m.contentSha256()))
                    .view(BetaManagedAgentsMemoryView.FULL)
                    .build())
            .validate();
    assertThat(two.content()).contains("two");
    assertThat(two.id()).isEqualTo(m.id());

    ConflictException stale =
        expectPreconditionFailed(
            () ->
                alpha()
                    .beta()
                    .memoryStores()
                    .memories()
                    .update(
                        m.id(),
                        update(id)
                            .content("three")
                            .precondition(precondition(m.contentSha256()))
                            .build()));
    assertThat(stale.headers().values("x-should-retry")).containsExactly("false");

    BetaManagedAgentsMemory moved =
        alpha()
            .beta()
            .memoryStores()
            .memories()
            .update(m.id(), update(id).path("/archive/a.md").build())
            .validate();
    assertThat(moved.path()).isEqualTo("/archive/a.md");
    assertThat(moved.id()).isEqualTo(m.id());

    expectPreconditionFailed(() -> deleteIfDigest(id, m.id(), sha256("one")));
    assertThat(deleteIfDigest(id, m.id(), sha256("two")).id()).isEqualTo(m.id());
    expectNotFound(() -> alpha().beta().memoryStores().memories().retrieve(m.id(), retrieve(id)));
  }

  @Test
  void aTakenOrOverlappingPathIsAPathConflictNamingTheMemory() {
    String id = store("paths").id();
    BetaManagedAgentsMemory notes = memory(id, "/notes", "file");
    ConflictException e =
        expectApiError(
            ConflictException.class,
            409,
            "memory_path_conflict_error",
            () -> memory(id, "/notes/todo.md", "x"));
    // JsonValue is a raw JsonField, so its object comes back untyped
    JsonValue envelope = (JsonValue) ((Map<?, ?>) e.body().asObject().orElseThrow()).get("error");
    Map<?, ?> error = (Map<?, ?>) envelope.asObject().orElseThrow();
    assertThat(error.get("conflicting_path")).isEqualTo(JsonValue.from("/notes"));
    assertThat(error.get("conflicting_memory_id")).isEqualTo(JsonValue.from(notes.id()));
    assertThat(e.headers().values("x-should-retry")).containsExactly("false");
  }

  @Test
  void everyChangeIsAVersionListedNewestFirstAndAnOldOneCanBeRedacted() {
    String id = store("history").id();
    BetaManagedAgentsMemory m = memory(id, "/secret.md", "password=hunter2");
    alpha()
        .beta()
        .memoryStores()
        .memories()
        .update(m.id(), update(id).content("password=<removed>").build())
        .validate();

    List<BetaManagedAgentsMemoryVersion> versions = new ArrayList<>();
    alpha()
        .beta()
        .memoryStores()
        .memoryVersions()
        .list(id, MemoryVersionListParams.builder().memoryId(m.id()).limit(1).build())
        .autoPager()
        .forEach(v -> versions.add(v.validate()));
    assertThat(versions)
        .extracting(BetaManagedAgentsMemoryVersion::operation)
        .containsExactly(
            BetaManagedAgentsMemoryVersionOperation.MODIFIED,
            BetaManagedAgentsMemoryVersionOperation.CREATED);
    BetaManagedAgentsMemoryVersion created = versions.get(1);
    assertThat(created.id()).isEqualTo(m.memoryVersionId());
    assertThat(created.createdBy().orElseThrow().isApi()).isTrue();
    assertThat(created.createdBy().orElseThrow().asApi().apiKeyId())
        .matches("apikey_01[0-9A-Za-z]{22}");
    assertThat(
            alpha()
                .beta()
                .memoryStores()
                .memoryVersions()
                .retrieve(
                    created.id(), MemoryVersionRetrieveParams.builder().memoryStoreId(id).build())
                .validate()
                .content())
        .contains("password=hunter2");

    expectConflict(
        () ->
            alpha()
                .beta()
                .memoryStores()
                .memoryVersions()
                .redact(
                    versions.get(0).id(),
                    MemoryVersionRedactParams.builder().memoryStoreId(id).build()));
    BetaManagedAgentsMemoryVersion redacted =
        alpha()
            .beta()
            .memoryStores()
            .memoryVersions()
            .redact(created.id(), MemoryVersionRedactParams.builder().memoryStoreId(id).build())
            .validate();
    assertThat(redacted.redactedAt()).isPresent();
    assertThat(redacted.redactedBy()).isEqualTo(created.createdBy());
    assertThat(redacted.content()).isEmpty();
    assertThat(redacted.path()).isEmpty();
    assertThat(redacted.contentSha256()).isEmpty();
    assertThat(redacted.contentSizeBytes()).isEmpty();
    assertThat(redacted.operation()).isEqualTo(BetaManagedAgentsMemoryVersionOperation.CREATED);
  }

  @Test
  void anArchivedStoreRefusesMemoryWritesAndUpdatesButServesReadsAndDeletes() {
    String id = store("closed").id();
    BetaManagedAgentsMemory m = memory(id, "/a.md", "a");
    alpha().beta().memoryStores().archive(id).validate();

    expectBadRequest(() -> memory(id, "/b.md", "b"));
    expectBadRequest(
        () ->
            alpha()
                .beta()
                .memoryStores()
                .memories()
                .update(m.id(), update(id).content("changed").build()));
    expectBadRequest(
        () ->
            alpha()
                .beta()
                .memoryStores()
                .update(id, MemoryStoreUpdateParams.builder().name("renamed").build()));
    assertThat(
            alpha()
                .beta()
                .memoryStores()
                .memories()
                .retrieve(m.id(), retrieve(id))
                .validate()
                .content())
        .contains("a");
    alpha()
        .beta()
        .memoryStores()
        .memories()
        .delete(m.id(), MemoryDeleteParams.builder().memoryStoreId(id).build())
        .validate();
  }

  @Test
  void anotherWorkspaceSeesNoneOfIt() {
    String id = store("private").id();
    BetaManagedAgentsMemory m = memory(id, "/a.md", "a");
    server.expectNotFoundForBeta(
        c -> c.beta().memoryStores().retrieve(id),
        c -> c.beta().memoryStores().archive(id),
        c -> c.beta().memoryStores().memories().list(id),
        c -> c.beta().memoryStores().memories().retrieve(m.id(), retrieve(id)),
        c ->
            c.beta()
                .memoryStores()
                .memories()
                .create(id, MemoryCreateParams.builder().path("/b.md").content("b").build()),
        c -> c.beta().memoryStores().memoryVersions().list(id),
        c -> c.beta().memoryStores().delete(id));
    assertThat(alpha().beta().memoryStores().retrieve(id).validate().archivedAt()).isEmpty();
  }
}
