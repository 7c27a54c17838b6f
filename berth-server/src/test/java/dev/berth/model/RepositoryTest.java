package dev.berth.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.error.ApiException;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The rules of a repository resource's url, checkout and mount path. */
class RepositoryTest {

  @Test
  void aGithubUrlGivesItsOwnerNameAndDefaultMountPathWithoutDotGit() {
    Repository r = Repository.of("https://github.com/acme-inc/widgets.git", Optional.empty());
    assertThat(r.owner()).isEqualTo("acme-inc");
    assertThat(r.name()).isEqualTo("widgets");
    assertThat(r.url()).isEqualTo("https://github.com/acme-inc/widgets.git");
    assertThat(r.defaultMountPath()).isEqualTo("/workspace/widgets");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://github.com/o/r",
        "https://gitlab.com/o/r",
        "https://github.com.evil.example/o/r",
        "file:///etc/passwd",
        "ssh://git@github.com/o/r",
        "git@github.com:o/r",
        "https://github.com/o",
        "https://github.com/o/r/tree/main",
        "https://github.com/o/r/",
        "https://github.com/-o/r",
        "https://github.com/o--/r",
        "https://github.com/o/..",
        "https://github.com/o/r?x=1",
        "https://github.com/o/r%2F..",
        "https://user:pass@github.com/o/r",
        "https://github.com//r"
      })
  void aUrlThatIsNotExactlyAGithubRepositoryIsRefusedNamingTheRule(String url) {
    assertThatThrownBy(() -> Repository.of(url, Optional.empty()))
        .isInstanceOf(ApiException.InvalidRequest.class)
        .hasMessageContaining("url");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", "-x", "a..b", "a b", "a~1", "x.lock", "/a", "a/", "a//b", "@", "a@{1}", ".a"})
  void aBranchNameGitWouldRefuseIsA400(String name) {
    assertThatThrownBy(() -> Repository.branch(name))
        .isInstanceOf(ApiException.InvalidRequest.class)
        .hasMessageStartingWith("checkout.name");
  }

  @Test
  void branchNamesGitAcceptsAreKept() {
    assertThat(Repository.branch("feature/x-1.2").name()).isEqualTo("feature/x-1.2");
  }

  @Test
  void aCommitMustBeAFullShaAndIsKeptInLowercase() {
    assertThat(Repository.commit("ABCDEF0123456789ABCDEF0123456789ABCDEF01").sha())
        .isEqualTo("abcdef0123456789abcdef0123456789abcdef01");
    assertThatThrownBy(() -> Repository.commit("abc123"))
        .isInstanceOf(ApiException.InvalidRequest.class)
        .hasMessageStartingWith("checkout.sha");
  }

  @Test
  void theStoredBodyHoldsUrlAndCheckoutAndReadsBackEqual() {
    Repository r = Repository.of("https://github.com/o/r", Optional.of(Repository.branch("main")));
    assertThat(r.toJson().toString())
        .isEqualTo(
            "{\"url\":\"https://github.com/o/r\",\"checkout\":{\"name\":\"main\",\"type\":\"branch\"}}");
    assertThat(Repository.fromJson(r.toJson())).isEqualTo(r);
  }

  @Test
  void aRepositoryMountPathDefaultsUnderWorkspaceAndIsKeptWhereGiven() {
    assertThat(MountPaths.repository(Optional.empty(), "/workspace/r")).isEqualTo("/workspace/r");
    assertThat(MountPaths.repository(Optional.of("/src/app"), "/workspace/r"))
        .isEqualTo("/src/app");
    assertThat(MountPaths.repository(Optional.of("/mnt/session/repo"), "/workspace/r"))
        .isEqualTo("/mnt/session/repo");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/mnt/session/uploads/r",
        "/mnt/session/outputs",
        "/mnt/session/outputs/r",
        "/mnt/memory/r",
        "/mnt",
        "/mnt/session",
        "/usr/local/r",
        "/etc",
        "/proc/r",
        "/tmp/r",
        "/workspace",
        "/workspace/a/b",
        "/",
        "relative",
        "/a/../b"
      })
  void aRepositoryMountPathOverBerthsOwnOrTheSystemsDirectoriesIsA400(String path) {
    assertThatThrownBy(() -> MountPaths.repository(Optional.of(path), "/workspace/r"))
        .isInstanceOf(ApiException.InvalidRequest.class)
        .hasMessageStartingWith("mount_path");
  }
}
