package dev.berth;

import static dev.berth.testing.Commands.exec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.Await;
import dev.berth.testing.Fixtures;
import dev.berth.testing.Http;
import dev.berth.testing.Scrape;
import dev.berth.testing.SharedServer;
import dev.berth.testing.TestServer;
import dev.berth.testing.TestStores;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code GET /berth/v1/metrics}: Prometheus text for any key of the server (or anyone, when
 * public), whose series move by exactly what real requests did, labelled by route template and
 * never by anything of a tenant's.
 */
class MetricsApiTest {
  private static final String REQUESTS = "http_server_requests_seconds_count";

  @RegisterExtension static final SharedServer server = new SharedServer("--uploads-downloadable");

  private final Http http = server.http();

  @Test
  void withoutAKeyMetricsAre401AndAnyKeyOfTheServerOpensThem() {
    var r = server.http(null).get("/berth/v1/metrics");
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.errorType()).isEqualTo("authentication_error");

    var wrong = server.http("sk-not-a-key-of-this-server-0000").get("/berth/v1/metrics");
    assertThat(wrong.status()).isEqualTo(401);

    // the other workspace's key opens them too: they hold nothing of either workspace
    Scrape.of(server.http(TestServer.OTHER_KEY));
  }

  @Test
  void anUploadCountsOneRequestOfItsRouteWithItsLatencyAndItsBytes() {
    Scrape before = Scrape.of(http);
    Fixtures.upload(http, "five.txt", "12345");
    Scrape after = Scrape.of(http);

    String[] upload = {"method", "POST", "route", "/v1/files", "status", "200"};
    assertThat(after.since(before, REQUESTS, upload)).isEqualTo(1);
    assertThat(after.since(before, "http_server_requests_seconds_sum", upload)).isPositive();
    assertThat(
            after.since(
                before,
                "http_server_requests_seconds_bucket",
                "method",
                "POST",
                "route",
                "/v1/files",
                "status",
                "200",
                "le",
                "+Inf"))
        .isEqualTo(1);
    assertThat(after.since(before, "berth_files_uploaded_bytes_total")).isEqualTo(5);
  }

  @Test
  void requestsAreCountedByRouteTemplateAndStatusNeverByThePathAsSent() {
    String file = Fixtures.upload(http, "template.txt", "x");
    Scrape before = Scrape.of(http);
    assertThat(http.get("/v1/files/" + file).status()).isEqualTo(200);
    assertThat(http.get("/v1/files/file_011CNha8iCJcU1wXNR6q4V8w").status()).isEqualTo(404);
    assertThat(http.get("/v1/no-such-route-here").status()).isEqualTo(404);
    assertThat(http.send(http.builder("/v1/files").method("BREW", noBody())).status())
        .isEqualTo(405);
    assertThat(server.http(null).get("/v1/files/" + file).status()).isEqualTo(401);
    Scrape after = Scrape.of(http);

    String route = "/v1/files/{file_id}";
    assertThat(after.since(before, REQUESTS, "method", "GET", "route", route, "status", "200"))
        .isEqualTo(1);
    assertThat(after.since(before, REQUESTS, "method", "GET", "route", route, "status", "404"))
        .isEqualTo(1);
    assertThat(after.since(before, REQUESTS, "method", "GET", "route", route, "status", "401"))
        .isEqualTo(1);
    assertThat(
            after.since(before, REQUESTS, "method", "GET", "route", "unmatched", "status", "404"))
        .isEqualTo(1);
    assertThat(
            after.since(before, REQUESTS, "method", "OTHER", "route", "unmatched", "status", "405"))
        .isEqualTo(1);
    assertThat(after.text()).doesNotContain(file, "no-such-route-here", "BREW");
  }

  @Test
  void downloadsCountTheBytesSent() {
    String file = Fixtures.upload(http, "seven.txt", "1234567");
    Scrape before = Scrape.of(http);
    var r = http.get("/v1/files/" + file + "/content");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.raw().body()).hasSize(7);
    Scrape after = Scrape.of(http);

    assertThat(after.since(before, "berth_files_downloaded_bytes_total")).isEqualTo(7);
  }

  @Test
  void addingAndDeletingAResourceCountsItByTypeAndTheSandboxRepairs() {
    String file = Fixtures.upload(http, "mounted.txt", "m");
    String session = Fixtures.session(http);
    Scrape before = Scrape.of(http);
    var added =
        http.post("/v1/sessions/" + session + "/resources", Fixtures.fileResource(file, "/m.txt"));
    assertThat(added.status()).isEqualTo(200);
    String resource = added.json().get("id").asText();
    assertThat(http.delete("/v1/sessions/" + session + "/resources/" + resource).status())
        .isEqualTo(200);
    Scrape after = Scrape.of(http);

    assertThat(after.since(before, "berth_resources_added_total", "type", "file")).isEqualTo(1);
    assertThat(after.since(before, "berth_resources_deleted_total", "type", "file")).isEqualTo(1);
    assertThat(after.since(before, "berth_reconciler_repairs_total")).isEqualTo(2);
    assertThat(after.since(before, "berth_reconciler_failures_total")).isZero();
    assertThat(after.has("berth_reconciler_failures_total")).isTrue();
  }

  @Test
  void commandsAreCountedByOutcomeWithTheirDurations() {
    String session = Fixtures.session(http);
    Scrape before = Scrape.of(http);
    assertThat(exec(http, session, "true").status()).isEqualTo(200);
    assertThat(exec(http, session, "false").status()).isEqualTo(200);
    assertThat(exec(http, session, "false").status()).isEqualTo(200);
    Scrape after = Scrape.of(http);

    String count = "berth_commands_seconds_count";
    assertThat(after.since(before, count, "outcome", "exit_zero")).isEqualTo(1);
    assertThat(after.since(before, count, "outcome", "exit_nonzero")).isEqualTo(2);
    assertThat(after.since(before, "berth_commands_seconds_sum", "outcome", "exit_zero"))
        .isPositive();
  }

  @Test
  void aSessionsFirstCommandStartsItsLauncherAndTheNextOneFindsOneWaiting() throws Exception {
    String session = Fixtures.session(http);
    Scrape before = Scrape.of(http);
    assertThat(exec(http, session, "true").status()).isEqualTo(200);
    Await.until(
        "a launcher waits for the session's next command",
        Duration.ofSeconds(10),
        () ->
            Scrape.of(http).value("berth_command_launchers_waiting")
                > before.value("berth_command_launchers_waiting"));
    assertThat(exec(http, session, "true").status()).isEqualTo(200);
    Scrape after = Scrape.of(http);

    String launches = "berth_command_launchers_total";
    assertThat(after.since(before, launches, "launcher", "new")).isEqualTo(1);
    assertThat(after.since(before, launches, "launcher", "waiting")).isEqualTo(1);
  }

  @Test
  void theDatabasePoolTheJvmAndOnSeveralNodesTheLeasesAreReported() {
    Fixtures.session(http);
    Scrape scrape = Scrape.of(http);

    String pool = TestStores.sharedBackend() ? "berth-postgresql" : "berth-sqlite";
    assertThat(scrape.value("hikaricp_connections_max", "pool", pool)).isPositive();
    assertThat(scrape.has("hikaricp_connections_active", "pool", pool)).isTrue();
    assertThat(scrape.has("hikaricp_connections_pending", "pool", pool)).isTrue();
    assertThat(scrape.value("jvm_threads_live_threads")).isPositive();
    assertThat(scrape.value("process_uptime_seconds")).isPositive();
    if (TestStores.sharedBackend()) {
      assertThat(scrape.value("berth_session_leases_held")).isGreaterThanOrEqualTo(1);
    } else {
      assertThat(scrape.text()).doesNotContain("berth_session_leases_held");
    }
  }

  @Test
  void theMetricsHoldNoIdNameOrPathOfATenantNorAKey() {
    String file = Fixtures.upload(http, "quarterly-tenant-report.csv", "a,b\n");
    String session = Fixtures.session(http);
    var added =
        http.post(
            "/v1/sessions/" + session + "/resources",
            Fixtures.fileResource(file, "/tenant/private/path.csv"));
    assertThat(added.status()).isEqualTo(200);
    String workspace = added.header("anthropic-workspace-id");
    assertThat(exec(http, session, "true").status()).isEqualTo(200);

    String text = Scrape.of(http).text();

    assertThat(text)
        .doesNotContain(
            workspace,
            "alpha",
            file,
            added.json().get("file_id").asText(),
            added.json().get("id").asText(),
            session,
            "quarterly-tenant-report",
            "/tenant/private",
            TestServer.KEY,
            TestServer.OTHER_KEY);
  }

  @Test
  void publicMetricsAnswerWithoutAKey() {
    try (var open = TestServer.start("--metrics-public")) {
      assertThat(open.http().get("/v1/files").status()).isEqualTo(200);
      var r = open.http().send(open.http().bare("/berth/v1/metrics").GET());
      assertThat(r.status()).isEqualTo(200);
      assertThat(new String(r.raw().body(), StandardCharsets.UTF_8))
          .contains("http_server_requests_seconds_count");
      // the rest of the API still needs a key
      assertThat(open.http(null).get("/berth/v1/sessions/sesn_x/sandbox").status()).isEqualTo(401);
    }
  }

  private static HttpRequest.BodyPublisher noBody() {
    return HttpRequest.BodyPublishers.noBody();
  }
}
