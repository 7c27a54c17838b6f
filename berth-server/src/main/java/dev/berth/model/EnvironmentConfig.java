package dev.berth.model;

import static dev.berth.model.JsonFields.allowOnly;
import static dev.berth.model.JsonFields.invalid;
import static dev.berth.model.JsonFields.object;
import static dev.berth.model.JsonFields.optionalBoolean;
import static dev.berth.model.JsonFields.optionalObject;
import static dev.berth.model.JsonFields.optionalStrings;
import static dev.berth.model.JsonFields.path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.error.ApiException;
import dev.berth.json.Json;
import java.util.List;
import java.util.Optional;

/**
 * An environment's {@code config} (spec §5.0): cloud, with networking and packages, or self-hosted.
 * The stored form is the wire form, so {@link #parse} reads both requests and rows.
 */
public sealed interface EnvironmentConfig {
  List<String> TYPES = List.of("cloud", "self_hosted");

  /** The default of spec §5.1: cloud, unrestricted networking, no packages. */
  EnvironmentConfig DEFAULT = new Cloud(new Unrestricted(), Packages.NONE);

  String type();

  ObjectNode toJson();

  record Cloud(Networking networking, Packages packages) implements EnvironmentConfig {
    @Override
    public String type() {
      return "cloud";
    }

    @Override
    public ObjectNode toJson() {
      ObjectNode o = Json.MAPPER.createObjectNode().put("type", type());
      o.set("networking", networking.toJson());
      o.set("packages", packages.toJson());
      return o;
    }
  }

  record SelfHosted() implements EnvironmentConfig {
    @Override
    public String type() {
      return "self_hosted";
    }

    @Override
    public ObjectNode toJson() {
      return Json.MAPPER.createObjectNode().put("type", type());
    }
  }

  sealed interface Networking {
    ObjectNode toJson();
  }

  record Unrestricted() implements Networking {
    @Override
    public ObjectNode toJson() {
      return Json.MAPPER.createObjectNode().put("type", "unrestricted");
    }
  }

  record Limited(List<String> allowedHosts, boolean allowMcpServers, boolean allowPackageManagers)
      implements Networking {
    static final Limited DEFAULT = new Limited(List.of(), false, false);

    @Override
    public ObjectNode toJson() {
      ObjectNode o = Json.MAPPER.createObjectNode().put("type", "limited");
      allowedHosts.forEach(o.putArray("allowed_hosts")::add);
      return o.put("allow_mcp_servers", allowMcpServers)
          .put("allow_package_managers", allowPackageManagers);
    }
  }

  /** Packages to install, per manager; all six lists are always present on the wire. */
  record Packages(
      List<String> apt,
      List<String> cargo,
      List<String> gem,
      List<String> go,
      List<String> npm,
      List<String> pip) {
    static final Packages NONE =
        new Packages(List.of(), List.of(), List.of(), List.of(), List.of(), List.of());

    boolean isEmpty() {
      return apt.isEmpty()
          && cargo.isEmpty()
          && gem.isEmpty()
          && go.isEmpty()
          && npm.isEmpty()
          && pip.isEmpty();
    }

    ObjectNode toJson() {
      ObjectNode o = Json.MAPPER.createObjectNode().put("type", "packages");
      apt.forEach(o.putArray("apt")::add);
      cargo.forEach(o.putArray("cargo")::add);
      gem.forEach(o.putArray("gem")::add);
      go.forEach(o.putArray("go")::add);
      npm.forEach(o.putArray("npm")::add);
      pip.forEach(o.putArray("pip")::add);
      return o;
    }
  }

  /** Reads a full config (create, or a stored row); omitted parts take their defaults. */
  static EnvironmentConfig parse(JsonNode value, String path) {
    return merge(DEFAULT, value, path, false);
  }

  /**
   * Applies an update's {@code config} to {@code current} (spec §5.4): the type must stay the same,
   * and within a cloud config every omitted sub-field keeps its value.
   */
  static EnvironmentConfig patch(EnvironmentConfig current, JsonNode value, String path) {
    return merge(current, value, path, true);
  }

  private static EnvironmentConfig merge(
      EnvironmentConfig base, JsonNode value, String path, boolean update) {
    ObjectNode o = object(value, path);
    String type = JsonFields.type(o, path, TYPES);
    if (update && !type.equals(base.type())) {
      throw new ApiException.InvalidRequest(
          path(path, "type")
              + " cannot change from '"
              + base.type()
              + "' to '"
              + type
              + "'; create a new environment instead",
          "invalid_config_type_change");
    }
    if (type.equals("self_hosted")) {
      allowOnly(o, path, "type");
      return new SelfHosted();
    }
    allowOnly(o, path, "type", "networking", "packages");
    Cloud current = base instanceof Cloud c ? c : (Cloud) DEFAULT;
    Networking networking =
        optionalObject(o, "networking", path)
            .map(n -> networking(current.networking(), n, path(path, "networking")))
            .orElse(current.networking());
    Packages packages =
        optionalObject(o, "packages", path)
            .map(p -> packages(current.packages(), p, path(path, "packages")))
            .orElse(current.packages());
    if (networking instanceof Limited l && !l.allowPackageManagers() && !packages.isEmpty()) {
      throw invalid(
          path(path, "networking.allow_package_managers")
              + " must be true when packages are listed with limited networking");
    }
    return new Cloud(networking, packages);
  }

  private static Networking networking(Networking current, ObjectNode n, String path) {
    String type = JsonFields.type(n, path, List.of("unrestricted", "limited"));
    if (type.equals("unrestricted")) {
      allowOnly(n, path, "type");
      return new Unrestricted();
    }
    allowOnly(n, path, "type", "allowed_hosts", "allow_mcp_servers", "allow_package_managers");
    Limited base = current instanceof Limited l ? l : Limited.DEFAULT;
    return new Limited(
        optionalStrings(n, "allowed_hosts", path).orElse(base.allowedHosts()),
        optionalBoolean(n, "allow_mcp_servers", path).orElse(base.allowMcpServers()),
        optionalBoolean(n, "allow_package_managers", path).orElse(base.allowPackageManagers()));
  }

  private static Packages packages(Packages base, ObjectNode p, String path) {
    allowOnly(p, path, "type", "apt", "cargo", "gem", "go", "npm", "pip");
    Optional<String> type = JsonFields.optionalString(p, "type", path);
    type.ifPresent(t -> JsonFields.oneOf(t, path(path, "type"), List.of("packages")));
    return new Packages(
        optionalStrings(p, "apt", path).orElse(base.apt()),
        optionalStrings(p, "cargo", path).orElse(base.cargo()),
        optionalStrings(p, "gem", path).orElse(base.gem()),
        optionalStrings(p, "go", path).orElse(base.go()),
        optionalStrings(p, "npm", path).orElse(base.npm()),
        optionalStrings(p, "pip", path).orElse(base.pip()));
  }
}
