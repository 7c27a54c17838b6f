package dev.berth.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.Churn;
import dev.berth.testing.Fixtures;
import dev.berth.testing.Http;
import dev.berth.testing.Postgres;
import dev.berth.testing.TcpProxy;
import dev.berth.testing.TestServer;
import dev.berth.testing.TestStores;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL goes away under a stream of adds and deletes and comes back (a relay in front of it is
 * cut and restored): while it is away every request fails cleanly with a 503 the client may retry,
 * nothing acknowledged is lost, and the same server resumes by itself.
 */
class DatabaseOutageIT {
  @Test
  void requestsFailCleanlyWhileTheDatabaseIsDownAndResumeWhenItReturns() throws Exception {
    try (var proxy = new TcpProxy(Postgres.host());
        var server =
            TestServer.start(
                TestStores.provisionShared(proxy.address()), UnaryOperator.identity())) {
      Http http = server.http();
      String file = Fixtures.upload(http, "load.txt", "under load");
      String session = Fixtures.session(http);

      Churn churn = Churn.start(http, session, file);
      Thread.sleep(1500);
      int ackedBefore = churn.acknowledgedAdds();
      proxy.cut();
      Thread.sleep(4000);
      assertThat(churn.failures()).as("requests while the database is away").isNotEmpty();
      long restored = System.nanoTime();
      proxy.restore();
      long deadline = restored + Duration.ofSeconds(15).toNanos();
      while (churn.lastAcknowledgedAdd() < restored && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(churn.lastAcknowledgedAdd())
          .as("an add acknowledged after the database returned")
          .isGreaterThan(restored);
      Thread.sleep(1000);
      churn.stop();
      assertThat(ackedBefore).isGreaterThan(5);

      for (var failure : churn.failures()) {
        assertThat(failure.status()).isEqualTo(503);
        assertThat(failure.header("x-should-retry")).isEqualTo("true");
        assertThat(failure.errorType()).isEqualTo("overloaded_error");
        assertThat(failure.json().get("request_id").asText()).isNotBlank();
      }
      churn.assertNothingAcknowledgedIsLost(http, session);
    }
  }
}
