package dev.berth.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.error.ApiException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The repository of a {@code github_repository} resource: the GitHub URL it was given, and the
 * branch or commit to check out (empty: the repository's default branch). Never its token, which
 * only the store and the code that fetches ever hold.
 *
 * @param url the URL as given, {@code https://github.com/OWNER/REPO}
 * @param owner the account the repository belongs to
 * @param name the repository's name, without a {@code .git} suffix
 */
public record Repository(String url, String owner, String name, Optional<Checkout> checkout) {
  static final String GITHUB = "https://github.com/";

  /** GitHub's rules for account names: letters, digits and single inner hyphens, ≤ 39. */
  private static final Pattern OWNER =
      Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}");

  /** GitHub's rules for repository names: letters, digits, '.', '_' and '-', ≤ 100. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");

  private static final Pattern SHA = Pattern.compile("[0-9a-f]{40}|[0-9a-f]{64}");

  /** What to check out: a branch by name, or a commit by its full SHA. */
  public sealed interface Checkout permits Branch, Commit {}

  public record Branch(String name) implements Checkout {}

  public record Commit(String sha) implements Checkout {}

  /**
   * Checks {@code url} and the checkout, and answers the repository; a 400 naming the rule broken
   * otherwise.
   */
  public static Repository of(String url, Optional<Checkout> checkout) {
    if (!url.startsWith(GITHUB)) {
      throw invalid("url must be a GitHub repository URL, https://github.com/OWNER/REPO", url);
    }
    String rest = url.substring(GITHUB.length());
    int slash = rest.indexOf('/');
    if (slash < 0 || rest.indexOf('/', slash + 1) >= 0) {
      throw invalid(
          "url must name exactly an owner and a repository, https://github.com/OWNER/REPO", url);
    }
    String owner = rest.substring(0, slash);
    String name = rest.substring(slash + 1);
    if (name.endsWith(".git")) {
      name = name.substring(0, name.length() - ".git".length());
    }
    if (!OWNER.matcher(owner).matches()) {
      throw invalid(
          "url's owner must be 1 to 39 letters, digits or single inner hyphens, as GitHub names"
              + " accounts",
          url);
    }
    if (!NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
      throw invalid(
          "url's repository name must be 1 to 100 letters, digits, '.', '_' or '-', and not '.'"
              + " or '..'",
          url);
    }
    checkout.ifPresent(Repository::validate);
    return new Repository(url, owner, name, checkout);
  }

  /** A branch checkout, its name checked as git checks branch names. */
  public static Branch branch(String name) {
    Branch b = new Branch(name);
    validate(b);
    return b;
  }

  /** A commit checkout: a full SHA-1 (or SHA-256) in hex, kept in lowercase. */
  public static Commit commit(String sha) {
    Commit c = new Commit(sha.toLowerCase(Locale.ROOT));
    validate(c);
    return c;
  }

  private static void validate(Checkout checkout) {
    switch (checkout) {
      case Commit c -> {
        if (!SHA.matcher(c.sha()).matches()) {
          throw new ApiException.InvalidRequest(
              "checkout.sha must be a full commit SHA (40 hexadecimal digits), got '"
                  + printable(c.sha())
                  + "'");
        }
      }
      case Branch b -> {
        String rule = branchRule(b.name());
        if (rule != null) {
          throw new ApiException.InvalidRequest(
              "checkout.name " + rule + ": '" + printable(b.name()) + "'");
        }
      }
    }
  }

  /** The first of git's branch name rules ({@code git check-ref-format}) broken, or null. */
  private static String branchRule(String name) {
    if (name.isEmpty()) {
      return "must not be empty";
    }
    if (name.getBytes(StandardCharsets.UTF_8).length > 255) {
      return "must be at most 255 bytes long";
    }
    if (name.startsWith("-")) {
      return "must not start with '-'";
    }
    if (name.startsWith("/") || name.endsWith("/") || name.contains("//")) {
      return "must not start or end with '/' or contain '//'";
    }
    if (name.endsWith(".") || name.endsWith(".lock") || name.contains("..")) {
      return "must not end with '.' or '.lock' or contain '..'";
    }
    if (name.equals("@") || name.contains("@{")) {
      return "must not be '@' or contain '@{'";
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 0x20 || c == 0x7f || " ~^:?*[\\".indexOf(c) >= 0) {
        return "must not contain spaces, control characters or any of ~ ^ : ? * [ \\";
      }
    }
    for (String segment : name.split("/", -1)) {
      if (segment.startsWith(".") || segment.endsWith(".lock")) {
        return "must not have a segment that starts with '.' or ends with '.lock'";
      }
    }
    return null;
  }

  /** The default mount path: {@code /workspace/<name>}. */
  public String defaultMountPath() {
    return "/workspace/" + name;
  }

  /** {@code {"type":"branch","name"}} or {@code {"type":"commit","sha"}}, as on the wire. */
  public static ObjectNode toJson(Checkout checkout) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    switch (checkout) {
      case Branch b -> node.put("name", b.name()).put("type", "branch");
      case Commit c -> node.put("sha", c.sha()).put("type", "commit");
    }
    return node;
  }

  /** The body kept in the store: the URL and the checkout, never the token. */
  public ObjectNode toJson() {
    ObjectNode node = JsonNodeFactory.instance.objectNode().put("url", url);
    checkout.ifPresent(c -> node.set("checkout", toJson(c)));
    return node;
  }

  /** What {@link #toJson()} wrote. */
  public static Repository fromJson(JsonNode node) {
    JsonNode c = node.path("checkout");
    Optional<Checkout> checkout =
        c.isObject()
            ? Optional.of(
                "commit".equals(c.path("type").asText())
                    ? new Commit(c.path("sha").asText())
                    : new Branch(c.path("name").asText()))
            : Optional.empty();
    return of(node.path("url").asText(), checkout);
  }

  private static ApiException invalid(String rule, String url) {
    return new ApiException.InvalidRequest(rule + "; got '" + printable(url) + "'");
  }

  private static String printable(String s) {
    return Printable.of(s);
  }
}
