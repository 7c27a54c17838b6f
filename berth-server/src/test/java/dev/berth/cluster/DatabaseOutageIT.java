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
        var server = TestServer.start(TestStores.provisionShared(proxy.address()))) {
      Http http = server.http();
      String file = Fixtures.upload(http, "load.txt", "under load");
      String session = Fixtures.session(http);

      Churn churn = Churn.start(http, session, file);
      // deletes begin once more than 40 resources are live
      churn.await(
          "a delete acknowledged", c -> c.acknowledgedDeletes() > 0, Duration.ofSeconds(60));
      proxy.cut();
      // the outage lasts until requests have failed on it, more than the one it may have cut short
      churn.await(
          "2 requests failed while the database is away",
          c -> c.failures().size() >= 2,
          Duration.ofSeconds(30));
      long restored = System.nanoTime();
      proxy.restore();
      churn.await(
          "an add acknowledged after the database returned",
          c -> c.lastAcknowledgedAdd() > restored,
          Duration.ofSeconds(15));
      int ackedAfterReturn = churn.acknowledgedAdds();
      churn.await(
          "10 more adds acknowledged after the database returned",
          c -> c.acknowledgedAdds() >= ackedAfterReturn + 10,
          Duration.ofSeconds(30));
      churn.stop();

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
