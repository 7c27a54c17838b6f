package dev.berth.sdk;

import static dev.berth.testing.SdkFixtures.session;
import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.core.JsonValue;
import com.anthropic.models.beta.memorystores.MemoryStoreCreateParams;
import com.anthropic.models.beta.memorystores.memories.MemoryCreateParams;
import com.anthropic.models.beta.memorystores.memoryversions.MemoryVersionListParams;
import com.anthropic.models.beta.sessions.BetaManagedAgentsMemoryStoreResourceParam;
import com.anthropic.models.beta.sessions.BetaManagedAgentsSession;
import com.anthropic.models.beta.sessions.SessionListParams;
import com.anthropic.models.beta.sessions.resources.BetaManagedAgentsMemoryStoreResource;
import com.anthropic.models.beta.sessions.resources.ResourceListParams;
import dev.berth.testing.Commands;
import dev.berth.testing.SdkServer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Memory store resources through the official Java SDK with strict response validation: attached at
 * session creation, read back in the SDK's type, sessions listed by store, and an agent's write in
 * the mount read back as a version the session wrote.
 */
class MemoryStoreResourcesSdkIT {
  @RegisterExtension static final SdkServer server = new SdkServer();

  static String store(String name) {
    return server
        .alphaClient()
        .beta()
        .memoryStores()
        .create(MemoryStoreCreateParams.builder().name(name).description("prefs").build())
        .validate()
        .id();
  }

  @Test
  void aSessionCreatedWithAMemoryStoreAnswersItValidatedAndListsByStore() {
    String storeId = store("User Prefs");
    server
        .alphaClient()
        .beta()
        .memoryStores()
        .memories()
        .create(storeId, MemoryCreateParams.builder().path("/a.md").content("a\n").build())
        .validate();
    BetaManagedAgentsSession session =
        session(
            server.alphaClient(),
            p ->
                p.addResource(
                    BetaManagedAgentsMemoryStoreResourceParam.builder()
                        .memoryStoreId(storeId)
                        .access(BetaManagedAgentsMemoryStoreResourceParam.Access.READ_WRITE)
                        .instructions("keep it short")
                        .build()));
    BetaManagedAgentsMemoryStoreResource r = session.resources().get(0).asMemoryStore();
    assertThat(r._type()).isEqualTo(JsonValue.from("memory_store"));
    assertThat(r.memoryStoreId()).isEqualTo(storeId);
    assertThat(r.access().orElseThrow())
        .isEqualTo(BetaManagedAgentsMemoryStoreResource.Access.READ_WRITE);
    assertThat(r.instructions()).contains("keep it short");
    assertThat(r.name()).contains("User Prefs");
    assertThat(r.description()).contains("prefs");
    assertThat(r.mountPath()).contains("/mnt/memory/user-prefs");

    var listed =
        server
            .alphaClient()
            .beta()
            .sessions()
            .resources()
            .list(session.id(), ResourceListParams.builder().build());
    assertThat(listed.data().get(0).validate().asMemoryStore()).isEqualTo(r);

    List<String> ids = new ArrayList<>();
    server
        .alphaClient()
        .beta()
        .sessions()
        .list(SessionListParams.builder().memoryStoreId(storeId).build())
        .autoPager()
        .forEach(s -> ids.add(s.validate().id()));
    assertThat(ids).containsExactly(session.id());

    Commands.sh(server.get().http(), session.id(), "echo b > /mnt/memory/user-prefs/a.md");
    var versions =
        server
            .alphaClient()
            .beta()
            .memoryStores()
            .memoryVersions()
            .list(storeId, MemoryVersionListParams.builder().sessionId(session.id()).build());
    var written = versions.data().get(0).validate();
    assertThat(versions.data()).hasSize(1);
    assertThat(written.createdBy().orElseThrow().asSession().sessionId()).isEqualTo(session.id());
  }
}
