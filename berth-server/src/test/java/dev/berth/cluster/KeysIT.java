package dev.berth.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.Await;
import dev.berth.testing.BerthProcess;
import dev.berth.testing.BerthProcess.Finished;
import dev.berth.testing.TestStores;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code berth keys} on the database two running nodes share: a key made there opens its workspace
 * on both at once, and once revoked both answer it 401 within a second.
 */
class KeysIT {
  @TempDir static Path dirA;
  @TempDir static Path dirB;
  static TestStores stores;
  static BerthProcess a;
  static BerthProcess b;

  @BeforeAll
  static void startTwoNodes() throws Exception {
    stores = TestStores.provisionShared();
    a = BerthProcess.start(stores, dirA);
    b = BerthProcess.start(stores, dirB);
  }

  @AfterAll
  static void stop() throws Exception {
    a.close();
    b.close();
    stores.close();
  }

  private static Finished keys(String... args) throws Exception {
    var all = new java.util.ArrayList<>(List.of("keys"));
    all.addAll(List.of(args));
    all.addAll(List.of("--database-url", stores.databaseUrl().orElseThrow()));
    return BerthProcess.run(all);
  }

  @Test
  void aKeyMadeOnTheDatabaseWorksOnBothNodesAtOnceAndARevokedOneFailsOnBothWithinASecond()
      throws Exception {
    Finished created = keys("create", "--workspace", "shared");
    assertThat(created.status()).as("%s", created).isZero();
    String key = created.out().strip();
    String id = created.err().replaceFirst("(?s)^Created API key (apikey_\\w+) .*", "$1");

    // each node has now read the key and keeps what it read for a while
    assertThat(a.http(key).get("/v1/files").status()).isEqualTo(200);
    assertThat(b.http(key).get("/v1/files").status()).isEqualTo(200);
    String file = dev.berth.testing.Fixtures.upload(a.http(key), "both.txt", "one workspace");
    assertThat(b.http(key).get("/v1/files/" + file).status()).isEqualTo(200);

    Finished list = keys("list");
    assertThat(list.out()).containsPattern(id + " +shared +\\S+ +-\n").doesNotContain(key);

    Finished revoke = keys("revoke", id);
    Instant revoked = Instant.now();
    assertThat(revoke.status()).as("%s", revoke).isZero();
    Instant deadline = revoked.plus(Duration.ofSeconds(1));
    Await.unauthorized(a.http(key), deadline);
    Await.unauthorized(b.http(key), deadline);
    assertThat(a.http().get("/v1/files").status()).isEqualTo(200);
    assertThat(b.http().get("/v1/files").status()).isEqualTo(200);
  }
}
