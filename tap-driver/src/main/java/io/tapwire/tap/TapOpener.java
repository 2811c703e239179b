package io.tapwire.tap;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import io.tapwire.link.VirtioNetHeader;

import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * Opens the TAP file descriptor: {@code open("/dev/net/tun")} plus {@code TUNSETIFF}, optionally
 * inside a named network namespace, and turns each errno into a message that says what to do.
 */
final class TapOpener {
    /** Where {@code ip netns add} bind-mounts namespaces (iproute2's {@code NETNS_RUN_DIR}). */
    static final String NETNS_RUN_DIR = "/var/run/netns/";

    private static final String TUN_PATH = "/dev/net/tun";

    /** What {@code TUNSETIFF} gave back: the descriptor and the kernel's name for the interface. */
    record Opened(int fd, String name) {
    }

    private TapOpener() {
    }

    /**
     * Rejects names the kernel would refuse, before any system call. Mirrors
     * {@code dev_valid_name()} in net/core/dev.c: 1 to IFNAMSIZ-1 (15) bytes, not "." or "..", no
     * '/', ':' or whitespace. A single {@code %d} is allowed: TUNSETIFF then picks the first free
     * number ({@code tap%d} becomes {@code tap0}, {@code tap1}, ...).
     */
    static void checkInterfaceName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("interface name must not be empty (e.g. tap0)");
        }
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > LibC.IFNAMSIZ - 1) {
            throw new IllegalArgumentException("interface name '" + name + "' is " + bytes
                    + " bytes; Linux allows at most " + (LibC.IFNAMSIZ - 1) + " (IFNAMSIZ - 1), pick a shorter name");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("interface name must not be '" + name + "'");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == ':' || c == 0 || Character.isWhitespace(c)) {
                throw new IllegalArgumentException("interface name '" + name
                        + "' contains '" + c + "'; Linux rejects '/', ':' and whitespace in interface names");
            }
        }
    }

    /** Rejects namespace names that iproute2 would refuse or that would escape {@link #NETNS_RUN_DIR}. */
    static void checkNetnsName(String netns) {
        if (netns == null || netns.isEmpty() || netns.equals(".") || netns.equals("..")
                || netns.indexOf('/') >= 0 || netns.indexOf(0) >= 0 || netns.length() > 255) {
            throw new IllegalArgumentException("invalid network namespace name '" + netns
                    + "': use a plain name such as tw-test (no '/', at most 255 characters)");
        }
    }

    /**
     * Opens {@code /dev/net/tun} and attaches it to TAP {@code name}, creating the TAP if it does
     * not exist. The namespace the TAP lives in is the calling thread's: {@code tun_chr_open()}
     * binds the file's socket to {@code current->nsproxy->net_ns} at open time.
     */
    static Opened openTap(String name) {
        return openTap(name, false);
    }

    /**
     * {@link #openTap(String)}, optionally with offloads: {@code IFF_VNET_HDR}, a
     * {@value VirtioNetHeaderSize#BYTES}-byte virtio-net header before every frame
     * ({@code TUNSETVNETHDRSZ}), and {@code TUNSETOFFLOAD} accepting partial checksums and TCP
     * super-frames (TSO4, TSO6, TSO_ECN) from the kernel.
     */
    static Opened openTap(String name, boolean offloads) {
        return openTap(name, offloads, false);
    }

    /**
     * {@link #openTap(String, boolean)}, with {@code IFF_MULTI_QUEUE} when {@code multiQueue}: each
     * such open attaches one more queue (one more file) to the same TAP (drivers/net/tun.c
     * {@code tun_attach()}). The virtio-net header size and offloads are set on every queue's file.
     */
    static Opened openTap(String name, boolean offloads, boolean multiQueue) {
        checkInterfaceName(name);
        // O_NONBLOCK on the open file is what tun_chr_read_iter() checks: an empty queue gives
        // EAGAIN instead of sleeping, which lets one thread multiplex the TAP with poll(2).
        int fd = LibC.open(TUN_PATH, LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        if (fd < 0) {
            throw openFailed(Native.getLastError());
        }
        boolean ok = false;
        try {
            Memory ifr = new Memory(LibC.IFREQ_SIZE);
            ifr.clear();
            byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
            ifr.write(0, nameBytes, 0, nameBytes.length);
            // IFF_NO_PI: no 4-byte packet-information header, so a read returns exactly one
            // Ethernet frame and a write takes exactly one (drivers/net/tun.c tun_put_user/tun_get_user).
            ifr.setShort(LibC.IFREQ_FLAGS_OFFSET,
                    (short) (LibC.IFF_TAP | LibC.IFF_NO_PI | (offloads ? LibC.IFF_VNET_HDR : 0)
                            | (multiQueue ? LibC.IFF_MULTI_QUEUE : 0)));
            int rc = LibC.ioctl(fd, LibC.TUNSETIFF, LibC.address(ifr));
            int errno = Native.getLastError();
            Reference.reachabilityFence(ifr);
            if (rc < 0) {
                throw setIffFailed(name, errno, multiQueue);
            }
            // The kernel writes the final name back (it differs when the request held %d).
            String actual = ifr.getString(0, "UTF-8");
            if (offloads) {
                enableOffloads(fd, actual);
            }
            ok = true;
            return new Opened(fd, actual);
        } finally {
            if (!ok) {
                LibC.close(fd);
            }
        }
    }

    private static void enableOffloads(int fd, String name) {
        Memory size = new Memory(4);
        size.setInt(0, VirtioNetHeader.LENGTH);
        int rc = LibC.ioctl(fd, LibC.TUNSETVNETHDRSZ, LibC.address(size));
        int errno = Native.getLastError();
        Reference.reachabilityFence(size);
        if (rc < 0) {
            throw new TapException("cannot set the virtio-net header size of TAP '" + name + "' (TUNSETVNETHDRSZ): "
                    + Errno.describe(errno) + "; open it without offloads (--no-offload)", errno);
        }
        // tun's set_offload(): TSO needs CSUM; the kernel then hands us super-frames up to 64 KB.
        int wanted = LibC.TUN_F_CSUM | LibC.TUN_F_TSO4 | LibC.TUN_F_TSO6 | LibC.TUN_F_TSO_ECN;
        rc = LibC.ioctl(fd, LibC.TUNSETOFFLOAD, wanted);
        if (rc < 0) {
            errno = Native.getLastError();
            throw new TapException("cannot enable offloads on TAP '" + name + "' (TUNSETOFFLOAD): "
                    + Errno.describe(errno) + "; open it without offloads (--no-offload)", errno);
        }
    }

    /**
     * Opens the TAP inside network namespace {@code netns} (a name under {@link #NETNS_RUN_DIR}).
     *
     * <p>{@code setns(2)} with {@code CLONE_NEWNET} moves only the calling thread, so the switch
     * runs on a short-lived thread of its own: the caller's namespace never changes, even if
     * something fails half-way. The returned descriptor keeps working from any thread afterwards.
     */
    static Opened openTapInNetns(String netns, String name) {
        return openTapInNetns(netns, name, false);
    }

    /** {@link #openTapInNetns(String, String)}, optionally with offloads (see {@link #openTap(String, boolean)}). */
    static Opened openTapInNetns(String netns, String name, boolean offloads) {
        return openTapInNetns(netns, name, offloads, false);
    }

    /** {@link #openTapInNetns(String, String, boolean)}, optionally as one more queue ({@link #openTap(String, boolean, boolean)}). */
    static Opened openTapInNetns(String netns, String name, boolean offloads, boolean multiQueue) {
        checkNetnsName(netns);
        checkInterfaceName(name);
        Object[] outcome = new Object[1];
        Thread worker = new Thread(() -> {
            try {
                outcome[0] = inNetns(netns, () -> openTap(name, offloads, multiQueue));
            } catch (Throwable t) {
                outcome[0] = t;
            }
        }, "tapwire-netns-open");
        worker.setDaemon(true);
        worker.start();
        joinUninterruptibly(worker);
        if (outcome[0] instanceof Opened opened) {
            return opened;
        }
        if (outcome[0] instanceof RuntimeException e) {
            throw e;
        }
        if (outcome[0] instanceof Error e) {
            throw e;
        }
        throw new TapException("opening " + name + " in network namespace " + netns + " failed", 0,
                (Throwable) outcome[0]);
    }

    /** Runs {@code action} with the current thread in {@code netns}, then switches back. */
    private static <T> T inNetns(String netns, Supplier<T> action) {
        // thread-self, not self: /proc/self is the thread-group leader, whose namespace may differ.
        int home = LibC.open("/proc/thread-self/ns/net", LibC.O_RDONLY | LibC.O_CLOEXEC);
        if (home < 0) {
            int errno = Native.getLastError();
            throw new TapException("cannot open /proc/thread-self/ns/net to remember the current network namespace: "
                    + Errno.describe(errno) + "; is /proc mounted?", errno);
        }
        try {
            enter(netns);
            try {
                return action.get();
            } finally {
                // This thread is discarded right after, so a failed restore cannot leak into
                // the caller; restoring anyway keeps the helper correct on any thread.
                LibC.setns(home, LibC.CLONE_NEWNET);
            }
        } finally {
            LibC.close(home);
        }
    }

    private static void enter(String netns) {
        String path = NETNS_RUN_DIR + netns;
        int target = LibC.open(path, LibC.O_RDONLY | LibC.O_CLOEXEC);
        if (target < 0) {
            int errno = Native.getLastError();
            if (errno == Errno.ENOENT) {
                throw new TapException("network namespace '" + netns + "' not found (no " + path
                        + "): create it with 'ip netns add " + netns + "'; 'ip netns list' shows the existing ones", errno);
            }
            throw new TapException("cannot open network namespace " + path + ": " + Errno.describe(errno)
                    + (isPermission(errno) ? "; run as root" : ""), errno);
        }
        try {
            if (LibC.setns(target, LibC.CLONE_NEWNET) != 0) {
                int errno = Native.getLastError();
                String hint = isPermission(errno)
                        ? "; entering a network namespace needs CAP_SYS_ADMIN (setns(2)): run as root"
                        : errno == Errno.EINVAL ? "; " + path + " is not a network namespace" : "";
                throw new TapException("cannot enter network namespace '" + netns + "': "
                        + Errno.describe(errno) + hint, errno);
            }
        } finally {
            LibC.close(target);
        }
    }

    private static TapException openFailed(int errno) {
        String what = "cannot open " + TUN_PATH + ": " + Errno.describe(errno) + "; ";
        if (errno == Errno.ENOENT) {
            return new TapException(what + "load the tun module: modprobe tun, or create it with "
                    + "mkdir -p /dev/net && mknod /dev/net/tun c 10 200", errno);
        }
        if (errno == Errno.ENODEV || errno == 6 /* ENXIO */) {
            return new TapException(what + "the device node exists but no driver is behind it: modprobe tun", errno);
        }
        if (isPermission(errno)) {
            return new TapException(what + "run as root or grant CAP_NET_ADMIN, e.g. sudo setcap cap_net_admin+ep "
                    + javaBinary() + ", and make sure this user may read and write " + TUN_PATH
                    + " (usually mode 0666)", errno);
        }
        return new TapException(what + "check that the tun driver works (ip tuntap add mode tap dev tapcheck)", errno);
    }

    private static TapException setIffFailed(String name, int errno, boolean multiQueue) {
        String what = "cannot create or attach TAP '" + name + "' (TUNSETIFF): " + Errno.describe(errno) + "; ";
        if (isPermission(errno)) {
            // tun_set_iff(): creating needs CAP_NET_ADMIN in the namespace's user namespace;
            // attaching to a persistent TAP also passes if its owner/group matches (tun_not_capable).
            return new TapException(what + "run as root or grant CAP_NET_ADMIN, e.g. sudo setcap cap_net_admin+ep "
                    + javaBinary() + "; if " + name + " is a persistent TAP of another user, create one for this user "
                    + "with ip tuntap add dev " + name + " mode tap user $USER", errno);
        }
        if (errno == Errno.EBUSY) {
            // A TAP without IFF_MULTI_QUEUE takes one file at a time (tun_attach(): -EBUSY).
            return new TapException(what + "another process holds " + name
                    + "; stop it or pick another name with --tap", errno);
        }
        if (errno == Errno.EINVAL && multiQueue) {
            // tun_set_iff(): attaching with IFF_MULTI_QUEUE to a TAP made without it (or the
            // reverse) is refused, as is a name taken by a device that is not a TAP.
            return new TapException(what + "an interface named " + name + " exists without multi-queue support "
                    + "(or is not a TAP); delete it (ip link del " + name + "), create it with "
                    + "'ip tuntap add dev " + name + " mode tap multi_queue', or pick another name with --tap", errno);
        }
        if (errno == Errno.E2BIG) {
            // tun_attach(): at most MAX_TAP_QUEUES (256) queues per TAP.
            return new TapException(what + "the TAP has as many queues as the kernel allows (256); use fewer --queues", errno);
        }
        if (errno == Errno.EINVAL) {
            // tun_set_iff(): the name is taken by a device that is not a TAP (a TUN, a veth, ...).
            return new TapException(what + "an interface named " + name
                    + " exists and is not a TAP device; pick another name with --tap", errno);
        }
        return new TapException(what + "check 'ip link show " + name + "' and the kernel log (dmesg)", errno);
    }

    private static boolean isPermission(int errno) {
        return errno == Errno.EPERM || errno == Errno.EACCES;
    }

    private static String javaBinary() {
        return System.getProperty("java.home") + "/bin/java";
    }

    private static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                // Keep waiting: leaving early would leak the descriptor the worker is opening.
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
