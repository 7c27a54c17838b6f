package dev.berth.exec;

import static dev.berth.testing.Commands.exec;
import static dev.berth.testing.Commands.sh;
import static dev.berth.testing.Fixtures.fileResource;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.Fixtures;
import dev.berth.testing.SharedServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a command cannot do: change its uploads, see or reach the host, keep privileges, or leave
 * anything behind that makes Berth itself step outside the sandbox.
 */
class ExecIsolationTest {
  @RegisterExtension static final SharedServer server = new SharedServer();
  static String session;

  @BeforeAll
  static void sessionWithAMount() {
    session = Fixtures.session(server.http());
    String file = Fixtures.upload(server.http(), "data.txt", "original");
    assertThat(
            server
                .http()
                .post(
                    "/v1/sessions/" + session + "/resources",
                    fileResource(file, "/mnt/session/uploads/dir/data.txt"))
                .status())
        .isEqualTo(200);
  }

  /** Runs {@code script} with sh; returns "exit code|stdout|stderr". */
  static String attempt(String script) {
    var r = exec(server.http(), session, "sh", "-c", script);
    assertThat(r.status()).as("%s", r.json()).isEqualTo(200);
    return r.json().get("exit_code").asInt()
        + "|"
        + r.json().get("stdout").asText()
        + "|"
        + r.json().get("stderr").asText();
  }

  Path blobOnHost() {
    return server.dataDir().resolve("sandboxes/" + session + "/mnt/session/uploads/dir/data.txt");
  }

  @Test
  void uploadsCannotBeWrittenChmodedRenamedOrUnlinked() throws IOException {
    for (String change :
        List.of(
            "echo changed > /mnt/session/uploads/dir/data.txt",
            "echo more >> /mnt/session/uploads/dir/data.txt",
            "chmod 666 /mnt/session/uploads/dir/data.txt",
            "mv /mnt/session/uploads/dir/data.txt /mnt/session/uploads/dir/moved.txt",
            "mv /mnt/session/uploads/dir/data.txt /workspace/stolen.txt",
            "rm -f /mnt/session/uploads/dir/data.txt",
            "rm -rf /mnt/session/uploads/dir",
            "touch /mnt/session/uploads/new.txt",
            "mkdir /mnt/session/uploads/new",
            "exec 3</mnt/session/uploads/dir/data.txt; echo changed > /proc/self/fd/3",
            "truncate -s 0 /mnt/session/uploads/dir/data.txt")) {
      // the file's mode refuses some of these before the mount is asked
      String outcome = attempt(change + " && echo CHANGED");
      assertThat(outcome)
          .as(change)
          .doesNotContain("CHANGED")
          .containsAnyOf("Read-only file system", "Permission denied");
    }
    String mounts = sh(server.http(), session, "cat /proc/self/mountinfo");
    assertThat(mounts.lines().filter(line -> line.contains(" /mnt/session/uploads ")))
        .singleElement()
        .satisfies(line -> assertThat(line.split(" ", -1)[5]).startsWith("ro,"));
    assertThat(sh(server.http(), session, "cat /mnt/session/uploads/dir/data.txt"))
        .isEqualTo("original");
    assertThat(blobOnHost()).hasContent("original");
    assertThat(sh(server.http(), session, "ls -R /mnt/session/uploads"))
        .isEqualTo("/mnt/session/uploads:\ndir\n\n/mnt/session/uploads/dir:\ndata.txt\n");
  }

  @Test
  void runsUnprivilegedWithNoCapabilities() {
    assertThat(sh(server.http(), session, "id -u")).isNotEqualTo("0\n");
    String caps =
        sh(server.http(), session, "grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)' /proc/self/status");
    assertThat(caps.lines()).hasSize(5).allMatch(line -> line.endsWith("0000000000000000"));
    assertThat(sh(server.http(), session, "grep NoNewPrivs /proc/self/status")).contains("1");
    assertThat(attempt("cat /etc/shadow")).startsWith("1|");
  }

  @Test
  void tmpAndDevShmAreWritableSizedAndPrivateToEachCommand() {
    assertThat(
            sh(
                server.http(),
                session,
                "stat -c '%a %n' /tmp /dev/shm; mktemp >/dev/null && mktemp -p /dev/shm >/dev/null"
                    + " && echo left > /tmp/left && echo left > /dev/shm/left && echo MADE"))
        .isEqualTo("1777 /tmp\n1777 /dev/shm\nMADE\n");
    String mounts = sh(server.http(), session, "cat /proc/self/mountinfo");
    for (String dir : List.of("/tmp", "/dev/shm")) {
      assertThat(mounts.lines().filter(line -> line.split(" ", -1)[4].equals(dir)))
          .as(dir)
          .singleElement()
          .satisfies(line -> assertThat(line).contains(" tmpfs ", "size=65536k"));
    }
    assertThat(sh(server.http(), session, "ls -A /tmp /dev/shm")).isEqualTo("/dev/shm:\n\n/tmp:\n");
  }

  @Test
  void newNamespacesCannotBeMade() {
    for (String command :
        List.of(
            "unshare -U true",
            "unshare -Ur true",
            "unshare -m true",
            "unshare -n true",
            "unshare -Urm mount -t tmpfs none /tmp",
            "unshare -Urpf true")) {
      assertThat(attempt(command + " && echo RAN"))
          .as(command)
          .doesNotContain("RAN")
          .contains("Operation not permitted");
    }
  }

  /** System call numbers on the architecture the tests (and the server) run on. */
  static final Map<String, Map<String, Integer>> CALLS =
      Map.of(
          "amd64",
          Map.of("mount", 165, "keyctl", 250, "ptrace", 101, "perf_event_open", 298, "bpf", 321),
          "aarch64",
          Map.of("mount", 40, "keyctl", 219, "ptrace", 117, "perf_event_open", 241, "bpf", 280));

  @Test
  void mountKeyringTracingPerformanceCountersAndBpfAreDenied() {
    var numbers = CALLS.get(System.getProperty("os.arch"));
    assertThat(numbers).as("system call numbers for %s", System.getProperty("os.arch")).isNotNull();
    // each call as it would succeed: a tmpfs mount, this session's keyring, PTRACE_TRACEME, a
    // task-clock counter of its own, a BPF map (perl passes a variable's bytes by pointer)
    String prelude =
        "my ($none, $tmp, $tmpfs) = qw(none /tmp tmpfs);"
            + " my $attr = pack(q(LLQQQQQx64), 1, 112, 1, 0, 0, 0, 0x60);"
            + " my $map = pack(q(LLLL), 2, 4, 4, 1);";
    var calls =
        Map.of(
            "mount", "$none, $tmp, $tmpfs, 0, 0",
            "keyctl", "0, -3, 1",
            "ptrace", "0, 0, 0, 0",
            "perf_event_open", "$attr, 0, -1, -1, 0",
            "bpf", "0, $map, 16");
    calls.forEach(
        (name, args) -> {
          String perl =
              prelude
                  + " syscall("
                  + numbers.get(name)
                  + ", "
                  + args
                  + ") == -1 or die qq(ALLOWED\\n); print qq($!\\n)";
          assertThat(attempt("perl -e '" + perl + "'"))
              .as(name)
              .isEqualTo("0|Operation not permitted\n|");
        });
  }

  @Test
  void ordinaryProgramsStillRun() {
    assertThat(
            sh(
                server.http(),
                session,
                "set -e; cd /tmp; seq 3 | sort -r | tr '\\n' ' '; echo; ls -d / ;"
                    + " git init -q repo && cd repo && echo x > f && git add f"
                    + " && git -c user.name=a -c user.email=a@b commit -qm one"
                    + " && git log --format=%s; sh -c 'sleep 0.1 & wait; echo waited';"
                    + " perl -e 'print qq(perl\\n)'"))
        .isEqualTo("3 2 1 \n/\none\nwaited\nperl\n");
    if (Files.isExecutable(Path.of("/usr/bin/python3"))) {
      // threads and a child process: glibc starts both with clone3 and falls back to clone
      assertThat(
              sh(
                  server.http(),
                  session,
                  "python3 -c 'import subprocess, threading; t = threading.Thread(target=print,"
                      + " args=(\"thread\",)); t.start(); t.join();"
                      + " print(subprocess.run([\"echo\", \"child\"], capture_output=True,"
                      + " text=True).stdout, end=\"\")'"))
          .isEqualTo("thread\nchild\n");
    }
  }

  @Test
  void setIdBitsCannotBeSetOnOutputsOrWorkspaceAndTheyAreMountedNosuidNodev() throws IOException {
    String made =
        sh(
            server.http(),
            session,
            "cp /usr/bin/env /mnt/session/outputs/suid; cp /usr/bin/env /workspace/sgid;"
                + " chmod u+s /mnt/session/outputs/suid 2>&1; chmod g+s /workspace/sgid 2>&1;"
                + " perl -e 'use Fcntl; sysopen(F, qq(/workspace/created), O_CREAT|O_WRONLY,"
                + " 06755) or print qq(created: $!\\n)'; true");
    assertThat(made)
        .isEqualTo(
            "chmod: changing permissions of '/mnt/session/outputs/suid': Operation not"
                + " permitted\nchmod: changing permissions of '/workspace/sgid': Operation not"
                + " permitted\ncreated: Operation not permitted\n");
    Path tree = server.dataDir().resolve("sandboxes/" + session);
    for (Path file :
        List.of(tree.resolve("mnt/session/outputs/suid"), tree.resolve("workspace/sgid"))) {
      assertThat((Integer) Files.getAttribute(file, "unix:mode") & 07777)
          .as("%s", file)
          .isEqualTo(0755);
    }
    assertThat(tree.resolve("workspace/created")).doesNotExist();
    String mounts = sh(server.http(), session, "cat /proc/self/mountinfo");
    for (String dir : List.of("/mnt/session/outputs", "/workspace", "/tmp", "/dev/shm")) {
      assertThat(mounts.lines().filter(line -> line.split(" ", -1)[4].equals(dir)))
          .as(dir)
          .singleElement()
          .satisfies(
              line -> assertThat(line.split(" ", -1)[5].split(",")).contains("nosuid", "nodev"));
    }
  }

  @Test
  void noProcessInTheSandboxNamesAHostPath() {
    String dataDir = server.dataDir().toAbsolutePath().toString();
    String seen =
        sh(
            server.http(),
            session,
            "for p in /proc/[0-9]*; do tr '\\0' ' ' <$p/cmdline; tr '\\0' ' ' <$p/environ;"
                + " readlink $p/cwd $p/root; echo; done 2>/dev/null");
    assertThat(seen)
        .contains("--args", "/workspace")
        .doesNotContain(dataDir, System.getProperty("user.dir"), "sandboxes", "--bind");
  }

  @Test
  void onlyStandardDescriptorsAreOpen() {
    // ls's own directory descriptor of /proc/self/fd is the fourth
    assertThat(sh(server.http(), session, "ls /proc/self/fd")).isEqualTo("0\n1\n2\n3\n");
  }

  @Test
  void theHostIsNotVisible() throws IOException {
    String dataDir = server.dataDir().toAbsolutePath().toString();
    for (String path : List.of("/home", "/root", "/work", "/var", "/opt", dataDir, "/old_root")) {
      assertThat(attempt("ls -d " + path)).as(path).startsWith("2|");
    }
    assertThat(sh(server.http(), session, "ls /"))
        .isEqualTo("bin\ndev\netc\nlib\nlib64\nmnt\nproc\nsbin\ntmp\nusr\nworkspace\n");
    assertThat(sh(server.http(), session, "ls /etc"))
        .doesNotContain("shadow", "hostname", "ssh", "environment");
    assertThat(sh(server.http(), session, "cat /etc/passwd")).doesNotContain("nobody", "postgres");
    // the sandbox's own init is PID 1; its root is the sandbox's, and not ours to open
    assertThat(attempt("ls /proc/1/root/")).doesNotContain("home", "old_root", "work");
    assertThat(attempt("ls /proc/1/root/mnt/session/uploads/../../../")).doesNotContain("home");
    // a PID namespace of its own: only the sandbox's few processes, numbered from 1
    assertThat(sh(server.http(), session, "ls /proc | grep -E '^[0-9]+$'").lines())
        .allMatch(pid -> Integer.parseInt(pid) < 20);
    assertThat(attempt("cat /mnt/session/uploads/../../../../../etc/shadow")).startsWith("1|");
    assertThat(sh(server.http(), session, "cd /workspace/../../../..; pwd; ls"))
        .isEqualTo("/\nbin\ndev\netc\nlib\nlib64\nmnt\nproc\nsbin\ntmp\nusr\nworkspace\n");
  }

  @Test
  void thereIsNoNetwork() throws Exception {
    try (var listener = ServerSocketChannel.open()) {
      listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
      String connect = "exec 3<>/dev/tcp/127.0.0.1/" + port + " && echo CONNECTED";

      // outside the sandbox, the same bash command reaches the listener
      Process outside = new ProcessBuilder("bash", "-c", connect).start();
      assertThat(outside.getInputStream().readAllBytes()).asString().isEqualTo("CONNECTED\n");
      assertThat(outside.waitFor()).isZero();
      try (var accepted = listener.accept()) {
        assertThat(accepted).isNotNull();
      }

      var inside = exec(server.http(), session, "bash", "-c", connect);
      assertThat(inside.status()).as("%s", inside.json()).isEqualTo(200);
      assertThat(inside.json().get("exit_code").asInt()).as("%s", inside.json()).isEqualTo(1);
      assertThat(inside.json().get("stdout").asText()).isEmpty();
      // the sandbox's loopback is its own: nothing listens on it
      assertThat(inside.json().get("stderr").asText()).contains("Connection refused");
      listener.configureBlocking(false);
      assertThat(listener.accept()).as("a connection from the sandbox").isNull();
    }
    assertThat(
            sh(server.http(), session, "cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' '"))
        .isEqualTo("lo\n");
  }

  @Test
  void hardLinksToHostFilesCannotBeMade() throws IOException {
    for (String source :
        List.of("/etc/passwd", "/usr/bin/env", "/mnt/session/uploads/dir/data.txt")) {
      assertThat(attempt("ln " + source + " /workspace/linked && echo LINKED"))
          .as(source)
          .doesNotContain("LINKED");
    }
    assertThat(server.dataDir().resolve("sandboxes/" + session + "/workspace/linked"))
        .doesNotExist();
  }

  @Test
  void linksPlantedInOutputsAndWorkspaceLeadNowhereForLaterCommandsNorForBerth()
      throws IOException {
    String dataDir = server.dataDir().toAbsolutePath().toString();
    String hostMarker = dataDir + "/outside-marker.txt";
    Files.writeString(Path.of(hostMarker), "host only");
    sh(
        server.http(),
        session,
        "ln -s / /workspace/root-link && ln -s "
            + dataDir
            + " /workspace/data-link && ln -s "
            + hostMarker
            + " /mnt/session/outputs/marker-link && ln -s /proc/1/root /workspace/proc-link"
            + " && ln -s ../../.. /mnt/session/outputs/up");

    // inside, the links resolve in the sandbox's own tree
    assertThat(attempt("ls /workspace/data-link/")).startsWith("2|");
    assertThat(attempt("cat /mnt/session/outputs/marker-link")).startsWith("1|");
    assertThat(attempt("echo overwrite > /mnt/session/outputs/marker-link"))
        .startsWith("2|")
        .endsWith("cannot create /mnt/session/outputs/marker-link: Directory nonexistent\n");
    assertThat(sh(server.http(), session, "ls /workspace/root-link/")).doesNotContain("home");
    assertThat(attempt("ls /mnt/session/outputs/up/")).doesNotContain("sandboxes");
    assertThat(Path.of(hostMarker)).hasContent("host only");

    // Berth measures the session's disk usage while commands run; following root-link would count
    // the host's whole disk and stop this command over the quota.
    String file = Fixtures.upload(server.http(), "after.txt", "mounted after the links");
    assertThat(
            server
                .http()
                .post("/v1/sessions/" + session + "/resources", fileResource(file, "/after.txt"))
                .status())
        .isEqualTo(200);
    assertThat(sh(server.http(), session, "sleep 0.5; cat /mnt/session/uploads/after.txt"))
        .isEqualTo("mounted after the links");
    try (Stream<Path> top = Files.list(server.dataDir())) {
      assertThat(top.map(p -> p.getFileName().toString()))
          .doesNotContain("root-link", "data-link", "marker-link");
    }
    assertThat(
            Files.isSymbolicLink(
                server.dataDir().resolve("sandboxes/" + session + "/workspace/root-link")))
        .isTrue();
  }
}
