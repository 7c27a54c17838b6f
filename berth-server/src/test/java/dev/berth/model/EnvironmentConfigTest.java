package dev.berth.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.error.ApiException;
import dev.berth.json.Json;
import org.junit.jupiter.api.Test;

class EnvironmentConfigTest {
  static JsonNode json(String s) {
    return Json.parse(s);
  }

  static String wire(EnvironmentConfig c) {
    return Json.write(c.toJson());
  }

  @Test
  void defaultIsCloudUnrestrictedWithAllSixEmptyPackageLists() {
    assertThat(wire(EnvironmentConfig.DEFAULT))
        .isEqualTo(
            "{\"type\":\"cloud\",\"networking\":{\"type\":\"unrestricted\"},\"packages\":"
                + "{\"type\":\"packages\",\"apt\":[],\"cargo\":[],\"gem\":[],\"go\":[],\"npm\":[],"
                + "\"pip\":[]}}");
  }

  @Test
  void cloudWithOnlyTypeGetsDefaults() {
    assertThat(EnvironmentConfig.parse(json("{\"type\":\"cloud\"}"), "config"))
        .isEqualTo(EnvironmentConfig.DEFAULT);
  }

  @Test
  void limitedNetworkingFillsDefaults() {
    var c =
        EnvironmentConfig.parse(
            json("{\"type\":\"cloud\",\"networking\":{\"type\":\"limited\"}}"), "config");
    assertThat(wire(c))
        .contains(
            "\"networking\":{\"type\":\"limited\",\"allowed_hosts\":[],"
                + "\"allow_mcp_servers\":false,\"allow_package_managers\":false}");
  }

  @Test
  void packagesWithLimitedNetworkingNeedPackageManagers() {
    assertThatThrownBy(
            () ->
                EnvironmentConfig.parse(
                    json(
                        "{\"type\":\"cloud\",\"networking\":{\"type\":\"limited\"},"
                            + "\"packages\":{\"pip\":[\"pandas\"]}}"),
                    "config"))
        .isInstanceOf(ApiException.InvalidRequest.class)
        .hasMessageContaining("allow_package_managers");
    var ok =
        EnvironmentConfig.parse(
            json(
                "{\"type\":\"cloud\",\"networking\":{\"type\":\"limited\","
                    + "\"allow_package_managers\":true},\"packages\":{\"pip\":[\"pandas\"]}}"),
            "config");
    assertThat(wire(ok)).contains("\"pip\":[\"pandas\"]");
  }

  @Test
  void packagesWithUnrestrictedNetworkingNeedNothingElse() {
    var c =
        EnvironmentConfig.parse(
            json("{\"type\":\"cloud\",\"packages\":{\"type\":\"packages\",\"npm\":[\"x\"]}}"),
            "config");
    assertThat(wire(c)).contains("\"npm\":[\"x\"]");
  }

  @Test
  void selfHostedHasNothingButItsType() {
    var c = EnvironmentConfig.parse(json("{\"type\":\"self_hosted\"}"), "config");
    assertThat(wire(c)).isEqualTo("{\"type\":\"self_hosted\"}");
    assertThatThrownBy(
            () ->
                EnvironmentConfig.parse(
                    json("{\"type\":\"self_hosted\",\"networking\":{}}"), "config"))
        .hasMessageContaining("unknown field 'config.networking'");
  }

  @Test
  void unknownConfigTypeIsRejectedNamingTheValue() {
    assertThatThrownBy(() -> EnvironmentConfig.parse(json("{\"type\":\"docker\"}"), "config"))
        .isInstanceOf(ApiException.InvalidRequest.class)
        .hasMessageContaining("config.type")
        .hasMessageContaining("'docker'");
  }

  @Test
  void unknownNetworkingTypeIsRejectedNamingTheValue() {
    assertThatThrownBy(
            () ->
                EnvironmentConfig.parse(
                    json("{\"type\":\"cloud\",\"networking\":{\"type\":\"vpn\"}}"), "config"))
        .hasMessageContaining("config.networking.type")
        .hasMessageContaining("'vpn'");
  }

  @Test
  void wrongTypesAreRejectedNamingTheField() {
    assertThatThrownBy(
            () ->
                EnvironmentConfig.parse(
                    json("{\"type\":\"cloud\",\"packages\":{\"apt\":\"curl\"}}"), "config"))
        .hasMessageContaining("config.packages.apt must be an array of strings");
    assertThatThrownBy(
            () ->
                EnvironmentConfig.parse(
                    json(
                        "{\"type\":\"cloud\",\"networking\":{\"type\":\"limited\","
                            + "\"allow_mcp_servers\":\"yes\"}}"),
                    "config"))
        .hasMessageContaining("config.networking.allow_mcp_servers must be a boolean");
    assertThatThrownBy(() -> EnvironmentConfig.parse(json("\"cloud\""), "config"))
        .hasMessageContaining("config must be an object");
  }

  @Test
  void patchKeepsOmittedCloudSubFields() {
    var current =
        EnvironmentConfig.parse(
            json(
                "{\"type\":\"cloud\",\"networking\":{\"type\":\"limited\","
                    + "\"allowed_hosts\":[\"a.com\"],\"allow_package_managers\":true},"
                    + "\"packages\":{\"pip\":[\"pandas\"],\"apt\":[\"curl\"]}}"),
            "config");
    var patched =
        EnvironmentConfig.patch(
            current,
            json(
                "{\"type\":\"cloud\",\"networking\":{\"type\":\"limited\","
                    + "\"allow_mcp_servers\":true},\"packages\":{\"npm\":[\"left-pad\"]}}"),
            "config");
    assertThat(wire(patched))
        .isEqualTo(
            "{\"type\":\"cloud\",\"networking\":{\"type\":\"limited\","
                + "\"allowed_hosts\":[\"a.com\"],"
                + "\"allow_mcp_servers\":true,\"allow_package_managers\":true},\"packages\":"
                + "{\"type\":\"packages\",\"apt\":[\"curl\"],\"cargo\":[],\"gem\":[],\"go\":[],"
                + "\"npm\":[\"left-pad\"],\"pip\":[\"pandas\"]}}");
    assertThat(EnvironmentConfig.patch(current, json("{\"type\":\"cloud\"}"), "config"))
        .isEqualTo(current);
  }

  @Test
  void patchCannotChangeTheConfigType() {
    assertThatThrownBy(
            () ->
                EnvironmentConfig.patch(
                    EnvironmentConfig.DEFAULT, json("{\"type\":\"self_hosted\"}"), "config"))
        .isInstanceOfSatisfying(
            ApiException.InvalidRequest.class,
            e -> assertThat(e.errorCode()).contains("invalid_config_type_change"));
  }
}
