package dev.berth.sandbox;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The system-call filter every command runs under: a classic BPF program for seccomp, which
 * bubblewrap installs (after building the sandbox, before it execs the command) from the bytes
 * {@link #program} gives.
 *
 * <p>Design note. A deny list, not an allow list: commands are arbitrary programs, so the filter
 * takes away only what no command needs and what widens the kernel surface a command can reach or
 * lets it step out of the sandbox: new namespaces (so no user namespace in which it would hold
 * capabilities again), joining others, mounting, the kernel keyring, tracing other processes,
 * loading BPF programs, performance counters, userfaultfd, kernel modules, kexec and reboot, swap
 * and process accounting, file handles, the kernel log, io_uring (a second way into the kernel,
 * whose operations the filter cannot see), and giving a file a set-user-ID or set-group-ID bit
 * (outputs and workspace are files on the host): chmod with such a mode, or creating a file or node
 * with one. Denied calls fail with {@code EPERM}; {@code clone3} and {@code openat2}, which glibc
 * falls back from to {@code clone} and {@code openat}, and io_uring fail with {@code ENOSYS}, as on
 * a kernel without them.
 *
 * <p>Arguments the filter must see are read from {@code struct seccomp_data}: only the lower 32
 * bits of each, which hold every flag and mode bit checked. {@code clone3} and {@code openat2} take
 * theirs in a structure the filter cannot read, hence their {@code ENOSYS}. The program first
 * checks the architecture it was built for and kills the process on any other (on x86_64, the
 * 32-bit {@code int 0x80} entry, whose numbers differ), and on x86_64 also refuses the x32 numbers,
 * which would otherwise reach the same calls under other numbers.
 */
final class SyscallFilter {
  private SyscallFilter() {}

  // seccomp actions
  private static final int KILL_PROCESS = 0x8000_0000;
  private static final int ERRNO = 0x0005_0000;
  private static final int ALLOW = 0x7FFF_0000;
  private static final int EPERM = 1;
  private static final int ENOSYS = 38;

  // classic BPF instructions used here
  private static final short LD_ABS_W = 0x20;
  private static final short JEQ = 0x15;
  private static final short JGE = 0x35;
  private static final short JSET = 0x45;
  private static final short RET = 0x06;

  // struct seccomp_data: int nr; u32 arch; u64 instruction_pointer; u64 args[6]
  private static final int NR = 0;
  private static final int ARCH = 4;

  private static final int X32_SYSCALL_BIT = 0x4000_0000;
  private static final int CLONE_NEW_NAMESPACES = 0x7E02_0000; // NEWNS, NEWCGROUP … NEWNET
  private static final int CLONE_NEWTIME = 0x80; // unshare only: clone's low byte is a signal
  private static final int SET_ID = 0xC00; // S_ISUID | S_ISGID
  private static final int CREATES = 0x40_0040; // O_CREAT | __O_TMPFILE

  /**
   * What the filter does with one system call; numbered {@link #NONE} where an architecture lacks
   * it.
   */
  private record Rule(String name, int x86_64, int aarch64, Check check) {}

  private sealed interface Check {}

  /** Always fails, with this errno. */
  private record Fail(int errno) implements Check {}

  /** Fails with {@code EPERM} when the argument has any of the bits. */
  private record ArgHas(int arg, int bits) implements Check {}

  /** Fails with {@code EPERM} when it creates a file (flags) with a set-id bit (mode). */
  private record CreatesSetId(int flagsArg, int modeArg) implements Check {}

  private static final Fail DENY = new Fail(EPERM);
  private static final Fail ABSENT = new Fail(ENOSYS);
  private static final int NONE = -1;

  private static final List<Rule> RULES =
      List.of(
          // namespaces
          new Rule("unshare", 272, 97, new ArgHas(0, CLONE_NEW_NAMESPACES | CLONE_NEWTIME)),
          new Rule("clone", 56, 220, new ArgHas(0, CLONE_NEW_NAMESPACES)),
          new Rule("clone3", 435, 435, ABSENT),
          new Rule("setns", 308, 268, DENY),
          // mounts
          new Rule("mount", 165, 40, DENY),
          new Rule("umount2", 166, 39, DENY),
          new Rule("pivot_root", 155, 41, DENY),
          new Rule("chroot", 161, 51, DENY),
          new Rule("open_tree", 428, 428, DENY),
          new Rule("move_mount", 429, 429, DENY),
          new Rule("fsopen", 430, 430, DENY),
          new Rule("fsconfig", 431, 431, DENY),
          new Rule("fsmount", 432, 432, DENY),
          new Rule("fspick", 433, 433, DENY),
          new Rule("mount_setattr", 442, 442, DENY),
          // the kernel keyring
          new Rule("add_key", 248, 217, DENY),
          new Rule("request_key", 249, 218, DENY),
          new Rule("keyctl", 250, 219, DENY),
          // other processes' memory
          new Rule("ptrace", 101, 117, DENY),
          new Rule("process_vm_readv", 310, 270, DENY),
          new Rule("process_vm_writev", 311, 271, DENY),
          new Rule("pidfd_getfd", 438, 438, DENY),
          // kernel facilities a command never needs
          new Rule("bpf", 321, 280, DENY),
          new Rule("perf_event_open", 298, 241, DENY),
          new Rule("userfaultfd", 323, 282, DENY),
          new Rule("init_module", 175, 105, DENY),
          new Rule("finit_module", 313, 273, DENY),
          new Rule("delete_module", 176, 106, DENY),
          new Rule("kexec_load", 246, 104, DENY),
          new Rule("kexec_file_load", 320, 294, DENY),
          new Rule("reboot", 169, 142, DENY),
          new Rule("swapon", 167, 224, DENY),
          new Rule("swapoff", 168, 225, DENY),
          new Rule("acct", 163, 89, DENY),
          new Rule("syslog", 103, 116, DENY),
          new Rule("name_to_handle_at", 303, 264, DENY),
          new Rule("open_by_handle_at", 304, 265, DENY),
          new Rule("io_uring_setup", 425, 425, ABSENT),
          new Rule("io_uring_enter", 426, 426, ABSENT),
          new Rule("io_uring_register", 427, 427, ABSENT),
          // set-user-ID and set-group-ID bits
          new Rule("chmod", 90, NONE, new ArgHas(1, SET_ID)),
          new Rule("fchmod", 91, 52, new ArgHas(1, SET_ID)),
          new Rule("fchmodat", 268, 53, new ArgHas(2, SET_ID)),
          new Rule("fchmodat2", 452, 452, new ArgHas(2, SET_ID)),
          new Rule("mknod", 133, NONE, new ArgHas(1, SET_ID)),
          new Rule("mknodat", 259, 33, new ArgHas(2, SET_ID)),
          new Rule("creat", 85, NONE, new ArgHas(1, SET_ID)),
          new Rule("open", 2, NONE, new CreatesSetId(1, 2)),
          new Rule("openat", 257, 56, new CreatesSetId(2, 3)),
          new Rule("openat2", 437, 437, ABSENT));

  /**
   * The program for the architecture Java runs on ({@code os.arch}); empty on one it is not built
   * for.
   */
  static Optional<byte[]> forThisMachine() {
    return program(System.getProperty("os.arch", ""));
  }

  /** The program for {@code osArch} as Java names it, or empty if it has none. */
  static Optional<byte[]> program(String osArch) {
    return switch (osArch.toLowerCase(Locale.ROOT)) {
      case "amd64", "x86_64" -> Optional.of(build(0xC000_003E, true));
      case "aarch64", "arm64" -> Optional.of(build(0xC000_00B7, false));
      default -> Optional.empty();
    };
  }

  private static byte[] build(int auditArch, boolean x86) {
    var p = new Program();
    p.load(ARCH);
    p.jump(JEQ, auditArch, 1, 0);
    p.ret(KILL_PROCESS);
    p.load(NR);
    if (x86) {
      p.jump(JGE, X32_SYSCALL_BIT, 0, 1);
      p.ret(ERRNO | ENOSYS);
    }
    for (Rule rule : RULES) {
      int nr = x86 ? rule.x86_64() : rule.aarch64();
      if (nr != NONE) {
        emit(p, nr, rule.check());
      }
    }
    p.ret(ALLOW);
    return p.bytes();
  }

  /**
   * One rule, entered with the call's number loaded and left, when it is not this call, by a jump
   * past it with the number still loaded; each branch for this call ends in a return.
   */
  private static void emit(Program p, int nr, Check check) {
    switch (check) {
      case Fail fail -> {
        p.jump(JEQ, nr, 0, 1);
        p.ret(ERRNO | fail.errno());
      }
      case ArgHas has -> {
        p.jump(JEQ, nr, 0, 4);
        p.load(arg(has.arg()));
        p.jump(JSET, has.bits(), 0, 1);
        p.ret(ERRNO | EPERM);
        p.ret(ALLOW);
      }
      case CreatesSetId creates -> {
        p.jump(JEQ, nr, 0, 6);
        p.load(arg(creates.flagsArg()));
        p.jump(JSET, CREATES, 0, 3);
        p.load(arg(creates.modeArg()));
        p.jump(JSET, SET_ID, 0, 1);
        p.ret(ERRNO | EPERM);
        p.ret(ALLOW);
      }
    }
  }

  /** The offset of an argument's lower 32 bits (both architectures are little-endian). */
  private static int arg(int i) {
    return 16 + 8 * i;
  }

  /** Instructions as {@code struct sock_filter}: u16 code, u8 jt, u8 jf, u32 k. */
  private static final class Program {
    private final ByteBuffer buffer =
        ByteBuffer.allocate(8 * (8 + 7 * RULES.size())).order(ByteOrder.LITTLE_ENDIAN);

    void load(int offset) {
      add(LD_ABS_W, 0, 0, offset);
    }

    void jump(short op, int k, int jt, int jf) {
      add(op, jt, jf, k);
    }

    void ret(int action) {
      add(RET, 0, 0, action);
    }

    private void add(short code, int jt, int jf, int k) {
      buffer.putShort(code).put((byte) jt).put((byte) jf).putInt(k);
    }

    byte[] bytes() {
      byte[] bytes = new byte[buffer.position()];
      buffer.flip().get(bytes);
      return bytes;
    }
  }
}
