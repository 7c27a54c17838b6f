package dev.berth.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * The filter's decisions on both architectures, by running its program as the kernel would (the
 * exec tests check the one this machine runs on for real).
 */
class SyscallFilterTest {
  static final int X86_64 = 0xC000_003E;
  static final int AARCH64 = 0xC000_00B7;
  static final int I386 = 0x4000_0003;

  static final int ALLOW = 0x7FFF_0000;
  static final int KILL_PROCESS = 0x8000_0000;
  static final int EPERM = 0x0005_0001;
  static final int ENOSYS = 0x0005_0026;

  static final long SIGCHLD = 17;
  static final long CLONE_NEWUSER = 0x1000_0000;
  static final long CLONE_NEWNET = 0x4000_0000;
  static final long CLONE_FILES = 0x400;
  static final long CLONE_NEWTIME = 0x80;

  /** The action the program returns for one call, interpreting the few instructions it uses. */
  static int decide(String osArch, int arch, int nr, long... args) {
    ByteBuffer program =
        ByteBuffer.wrap(SyscallFilter.program(osArch).orElseThrow()).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer data = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    data.putInt(0, nr).putInt(4, arch);
    for (int i = 0; i < args.length; i++) {
      data.putLong(16 + 8 * i, args[i]);
    }
    int a = 0;
    int pc = 0;
    while (true) {
      int at = 8 * pc++;
      int code = program.getShort(at);
      int jt = program.get(at + 2) & 0xFF;
      int jf = program.get(at + 3) & 0xFF;
      int k = program.getInt(at + 4);
      switch (code) {
        case 0x20 -> a = data.getInt(k);
        case 0x15 -> pc += a == k ? jt : jf;
        case 0x35 -> pc += Integer.compareUnsigned(a, k) >= 0 ? jt : jf;
        case 0x45 -> pc += (a & k) != 0 ? jt : jf;
        case 0x06 -> {
          return k;
        }
        default -> throw new AssertionError("unexpected instruction " + code + " at " + (pc - 1));
      }
    }
  }

  @Test
  void onX86_64NamespacesMountsAndKernelFacilitiesAreDeniedAndTheRestAllowed() {
    assertThat(decide("amd64", X86_64, 272, CLONE_NEWUSER)).as("unshare").isEqualTo(EPERM);
    assertThat(decide("amd64", X86_64, 272, CLONE_NEWTIME)).as("unshare").isEqualTo(EPERM);
    assertThat(decide("amd64", X86_64, 272, CLONE_FILES)).as("unshare").isEqualTo(ALLOW);
    assertThat(decide("amd64", X86_64, 56, CLONE_NEWNET | SIGCHLD)).as("clone").isEqualTo(EPERM);
    assertThat(decide("amd64", X86_64, 56, SIGCHLD)).as("clone").isEqualTo(ALLOW);
    assertThat(decide("amd64", X86_64, 435)).as("clone3").isEqualTo(ENOSYS);
    assertThat(decide("amd64", X86_64, 165)).as("mount").isEqualTo(EPERM);
    assertThat(decide("amd64", X86_64, 250)).as("keyctl").isEqualTo(EPERM);
    assertThat(decide("amd64", X86_64, 101)).as("ptrace").isEqualTo(EPERM);
    assertThat(decide("amd64", X86_64, 298)).as("perf_event_open").isEqualTo(EPERM);
    assertThat(decide("amd64", X86_64, 321)).as("bpf").isEqualTo(EPERM);
    assertThat(decide("amd64", X86_64, 425)).as("io_uring_setup").isEqualTo(ENOSYS);
    assertThat(decide("amd64", X86_64, 0)).as("read").isEqualTo(ALLOW);
    assertThat(decide("amd64", X86_64, 59)).as("execve").isEqualTo(ALLOW);
  }

  @Test
  void onX86_64The32BitEntryIsKilledAndX32NumbersRefused() {
    assertThat(decide("amd64", I386, 21)).as("i386 mount").isEqualTo(KILL_PROCESS);
    assertThat(decide("amd64", X86_64, 0x4000_0000 + 165)).as("x32 mount").isEqualTo(ENOSYS);
    assertThat(decide("amd64", X86_64, 0x4000_0000)).as("x32 read").isEqualTo(ENOSYS);
  }

  @Test
  void onAarch64TheSameCallsAreDeniedUnderTheirOwnNumbers() {
    assertThat(decide("aarch64", AARCH64, 97, CLONE_NEWUSER)).as("unshare").isEqualTo(EPERM);
    assertThat(decide("aarch64", AARCH64, 97, CLONE_FILES)).as("unshare").isEqualTo(ALLOW);
    assertThat(decide("aarch64", AARCH64, 220, CLONE_NEWUSER | SIGCHLD)).isEqualTo(EPERM);
    assertThat(decide("aarch64", AARCH64, 220, SIGCHLD)).as("clone").isEqualTo(ALLOW);
    assertThat(decide("aarch64", AARCH64, 435)).as("clone3").isEqualTo(ENOSYS);
    assertThat(decide("aarch64", AARCH64, 40)).as("mount").isEqualTo(EPERM);
    assertThat(decide("aarch64", AARCH64, 219)).as("keyctl").isEqualTo(EPERM);
    assertThat(decide("aarch64", AARCH64, 117)).as("ptrace").isEqualTo(EPERM);
    assertThat(decide("aarch64", AARCH64, 241)).as("perf_event_open").isEqualTo(EPERM);
    assertThat(decide("aarch64", AARCH64, 280)).as("bpf").isEqualTo(EPERM);
    // x86_64's mount number is an ordinary call here
    assertThat(decide("aarch64", AARCH64, 165)).as("getrusage").isEqualTo(ALLOW);
    assertThat(decide("aarch64", X86_64, 63)).as("another architecture").isEqualTo(KILL_PROCESS);
  }

  @Test
  void setIdModesAreDeniedOnlyWhereTheyWouldTakeEffect() {
    long atFdcwd = -100;
    long creat = 0x40;
    long tmpfile = 0x41_0000; // __O_TMPFILE | O_DIRECTORY on x86_64
    assertThat(decide("amd64", X86_64, 90, 0, 04755)).as("chmod u+s").isEqualTo(EPERM);
    assertThat(decide("amd64", X86_64, 91, 3, 02755)).as("fchmod g+s").isEqualTo(EPERM);
    assertThat(decide("amd64", X86_64, 268, atFdcwd, 0, 06755)).as("fchmodat").isEqualTo(EPERM);
    assertThat(decide("amd64", X86_64, 452, atFdcwd, 0, 04755, 0)).as("fchmodat2").isEqualTo(EPERM);
    assertThat(decide("amd64", X86_64, 268, atFdcwd, 0, 01777)).as("sticky").isEqualTo(ALLOW);
    assertThat(decide("amd64", X86_64, 90, 0, 0755)).as("chmod").isEqualTo(ALLOW);
    assertThat(decide("amd64", X86_64, 2, 0, creat, 04755)).as("open").isEqualTo(EPERM);
    assertThat(decide("amd64", X86_64, 257, atFdcwd, 0, creat, 02644)).isEqualTo(EPERM);
    assertThat(decide("amd64", X86_64, 257, atFdcwd, 0, tmpfile, 04600)).isEqualTo(EPERM);
    assertThat(decide("amd64", X86_64, 257, atFdcwd, 0, creat, 0644)).isEqualTo(ALLOW);
    // without O_CREAT the mode is ignored, whatever it holds
    assertThat(decide("amd64", X86_64, 257, atFdcwd, 0, 0, 04755)).isEqualTo(ALLOW);
    assertThat(decide("amd64", X86_64, 85, 0, 04755)).as("creat").isEqualTo(EPERM);
    assertThat(decide("amd64", X86_64, 259, atFdcwd, 0, 0100000 | 04755)).isEqualTo(EPERM);
    assertThat(decide("amd64", X86_64, 437)).as("openat2").isEqualTo(ENOSYS);

    assertThat(decide("aarch64", AARCH64, 53, atFdcwd, 0, 04755)).as("fchmodat").isEqualTo(EPERM);
    assertThat(decide("aarch64", AARCH64, 52, 3, 0755)).as("fchmod").isEqualTo(ALLOW);
    assertThat(decide("aarch64", AARCH64, 56, atFdcwd, 0, creat, 06755)).isEqualTo(EPERM);
    assertThat(decide("aarch64", AARCH64, 56, atFdcwd, 0, 0, 0)).as("openat").isEqualTo(ALLOW);
    assertThat(decide("aarch64", AARCH64, 437)).as("openat2").isEqualTo(ENOSYS);
  }

  @Test
  void otherArchitecturesHaveNoFilter() {
    assertThat(SyscallFilter.program("riscv64")).isEmpty();
    assertThat(SyscallFilter.program("ppc64le")).isEmpty();
  }
}
