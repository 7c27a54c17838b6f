package dev.berth.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.error.ApiException;
import dev.berth.model.EnvironmentConfig;
import dev.berth.model.EnvironmentRecord;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EnvironmentServiceTest {
  static final String EARLIER = "2026-01-01T00:00:00.000000Z";
  static final String NOW = "2026-02-01T00:00:00.000000Z";

  static EnvironmentRecord env(Map<String, String> metadata, Optional<String> archivedAt) {
    return new EnvironmentRecord(
        "env_1",
        "wrkspc_1",
        "e",
        Optional.of("d"),
        EnvironmentConfig.DEFAULT,
        metadata,
        "organization",
        archivedAt,
        EARLIER,
        EARLIER);
  }

  static EnvironmentService.UpdateParams metadataPatch(Map<String, Optional<String>> patch) {
    return new EnvironmentService.UpdateParams(
        Optional.empty(), Patch.absent(), Optional.empty(), patch, Optional.empty());
  }

  @Test
  void metadataPatchDeletesOnNullOrEmptyAndUpsertsStrings() {
    var current = env(Map.of("a", "1", "b", "2", "c", "3"), Optional.empty());
    Map<String, Optional<String>> patch = new LinkedHashMap<>();
    patch.put("a", Optional.empty());
    patch.put("b", Optional.of(""));
    patch.put("c", Optional.of("30"));
    patch.put("d", Optional.of("4"));
    var next = EnvironmentService.apply(current, metadataPatch(patch), NOW);
    assertThat(next.metadata()).containsExactly(Map.entry("c", "30"), Map.entry("d", "4"));
    assertThat(next.updatedAt()).isEqualTo(NOW);
  }

  @Test
  void updateThatChangesNothingKeepsUpdatedAt() {
    var current = env(Map.of("a", "1"), Optional.empty());
    var next = EnvironmentService.apply(current, metadataPatch(Map.of("a", Optional.of("1"))), NOW);
    assertThat(next).isSameAs(current);
  }

  @Test
  void descriptionPatchSetsNullOrEmptyString() {
    var current = env(Map.of(), Optional.empty());
    var cleared =
        EnvironmentService.apply(
            current,
            new EnvironmentService.UpdateParams(
                Optional.empty(), Patch.of(null), Optional.empty(), Map.of(), Optional.empty()),
            NOW);
    assertThat(cleared.description()).isEmpty();
    var empty =
        EnvironmentService.apply(
            current,
            new EnvironmentService.UpdateParams(
                Optional.empty(), Patch.of(""), Optional.empty(), Map.of(), Optional.empty()),
            NOW);
    assertThat(empty.description()).contains("");
  }

  @Test
  void archivedEnvironmentCannotBeUpdated() {
    var current = env(Map.of(), Optional.of(EARLIER));
    assertThatThrownBy(() -> EnvironmentService.apply(current, metadataPatch(Map.of()), NOW))
        .isInstanceOfSatisfying(
            ApiException.InvalidRequest.class,
            e -> assertThat(e.errorCode()).contains("environment_archived"));
  }

  @Test
  void metadataOverLimitsIsInvalidMetadata() {
    var current = env(Map.of(), Optional.empty());
    Map<String, Optional<String>> tooMany = new HashMap<>();
    for (int i = 0; i < 17; i++) {
      tooMany.put("k" + i, Optional.of("v"));
    }
    assertThatThrownBy(() -> EnvironmentService.apply(current, metadataPatch(tooMany), NOW))
        .isInstanceOfSatisfying(
            ApiException.InvalidRequest.class,
            e -> assertThat(e.errorCode()).contains("invalid_metadata"));
    var longKey = Map.of("k".repeat(65), Optional.of("v"));
    assertThatThrownBy(() -> EnvironmentService.apply(current, metadataPatch(longKey), NOW))
        .hasMessageContaining("metadata keys");
    var longValue = Map.of("k", Optional.of("v".repeat(513)));
    assertThatThrownBy(() -> EnvironmentService.apply(current, metadataPatch(longValue), NOW))
        .hasMessageContaining("exceeds 512");
  }

  @Test
  void accountScopeIsRejected() {
    var current = env(Map.of(), Optional.empty());
    assertThatThrownBy(
            () ->
                EnvironmentService.apply(
                    current,
                    new EnvironmentService.UpdateParams(
                        Optional.empty(),
                        Patch.absent(),
                        Optional.empty(),
                        Map.of(),
                        Optional.of("account")),
                    NOW))
        .hasMessageContaining("scope 'account'");
  }
}
