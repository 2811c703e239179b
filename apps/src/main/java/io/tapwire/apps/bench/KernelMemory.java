package io.tapwire.apps.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A snapshot of the kernel memory that sockets use: every slab cache's active objects and object
 * size ({@code /proc/slabinfo}, root only), {@code Slab:} of {@code /proc/meminfo}, and the TCP line
 * of {@code /proc/net/sockstat} ({@code alloc}: TCP sockets allocated, {@code mem}: pages charged to
 * socket buffers; both kernel-wide). Reading these files changes nothing.
 *
 * <p>An idle TCP socket's kernel memory, as counted here, has two parts:
 * <ul>
 *   <li>objects in caches that only sockets use, measured as their growth: {@link #SOCKET_CACHES}
 *       (the {@code tcp_sock}, the socket inode, the port bind buckets of a connecting socket,
 *       half-open and TIME_WAIT minisocks);
 *   <li>the objects that make a socket a file: one {@code struct file} ({@code filp}), one
 *       {@code dentry} and their LSM blobs, counted at one object each ({@link #FILE_CACHES}).
 *       Every file on the machine shares those caches, so their growth is mostly other processes'
 *       activity; it is shown, but not used.
 * </ul>
 */
record KernelMemory(Map<String, Long> slabBytes, Map<String, Long> objSize, long meminfoSlabBytes, long tcpAlloc, long tcpMemPages,
                    boolean slabReadable) {

    /** Caches only sockets use (SLUB may merge some with other caches of the same size; see {@link #groups}). */
    static final List<String> SOCKET_CACHES = List.of("TCP", "TCPv6", "sock_inode_cache", "tcp_bind_bucket", "tcp_bind2_bucket",
            "request_sock_TCP", "tw_sock_TCP");
    /** One object each per socket file descriptor. */
    static final List<String> FILE_CACHES = List.of("filp", "dentry", "lsm_file_cache", "lsm_inode_cache");

    static KernelMemory snapshot() {
        Map<String, Long> slabs = new HashMap<>();
        Map<String, Long> sizes = new HashMap<>();
        boolean readable = true;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/slabinfo"))) {
                if (line.startsWith("slabinfo") || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.trim().split("\\s+");
                if (f.length > 3) {
                    slabs.merge(f[0], Long.parseLong(f[1]) * Long.parseLong(f[3]), Long::sum);
                    sizes.put(f[0], Long.parseLong(f[3]));
                }
            }
        } catch (IOException | RuntimeException e) {
            readable = false;
        }
        long slabKb = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("Slab:")) {
                    slabKb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // stays 0
        }
        long alloc = -1;
        long mem = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/net/sockstat"))) {
                if (line.startsWith("TCP:")) {
                    String[] f = line.split("\\s+");
                    for (int i = 1; i + 1 < f.length; i += 2) {
                        if (f[i].equals("alloc")) {
                            alloc = Long.parseLong(f[i + 1]);
                        } else if (f[i].equals("mem")) {
                            mem = Long.parseLong(f[i + 1]);
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // stays -1
        }
        return new KernelMemory(slabs, sizes, slabKb * 1024, alloc, mem, readable);
    }

    long slabTotal() {
        long t = 0;
        for (long v : slabBytes.values()) {
            t += v;
        }
        return t;
    }

    /** Growth of one cache's object bytes from {@code before} to this. */
    long delta(KernelMemory before, String cache) {
        return slabBytes.getOrDefault(cache, 0L) - before.slabBytes.getOrDefault(cache, 0L);
    }

    /** Growth of the {@link #SOCKET_CACHES} (each merged group once). */
    long socketCachesDelta(KernelMemory before) {
        long t = 0;
        for (String c : groups(SOCKET_CACHES, slabBytes.keySet()).keySet()) {
            t += delta(before, c);
        }
        return t;
    }

    /** Bytes of one object of each of the {@link #FILE_CACHES}: what a socket's file costs. */
    long fileObjectsPerSocket() {
        long t = 0;
        for (String c : groups(FILE_CACHES, slabBytes.keySet()).keySet()) {
            t += objSize.getOrDefault(c, 0L);
        }
        return t;
    }

    /** "name[(members)] +B" per socket for each group of {@code caches} that moved. */
    String growth(KernelMemory before, List<String> caches, long sockets) {
        StringBuilder sb = new StringBuilder();
        groups(caches, slabBytes.keySet()).forEach((name, members) -> {
            long d = delta(before, name);
            if (d != 0) {
                boolean same = members.size() == 1 && members.get(0).equals(name);
                sb.append(sb.length() == 0 ? "" : ", ").append(name).append(same ? "" : "(" + String.join("+", members) + ")")
                        .append(String.format(Locale.ROOT, " %+.0f", d / (double) sockets));
            }
        });
        return sb.length() == 0 ? "none" : sb.toString();
    }

    /** "name B" for the object size of each of the {@link #FILE_CACHES}. */
    String fileObjectSizes() {
        StringBuilder sb = new StringBuilder();
        groups(FILE_CACHES, slabBytes.keySet()).forEach((name, members) -> sb.append(sb.length() == 0 ? "" : " + ")
                .append(String.join("/", members)).append(' ').append(objSize.getOrDefault(name, 0L)));
        return sb.toString();
    }

    /**
     * SLUB merges small caches of equal size and flags; {@code /proc/slabinfo} then lists a merged
     * group once under one member's name (here {@code tcp_bind_bucket} shows inside
     * {@code eventpoll_epi}). The groups are found through the aliases in {@code /sys/kernel/slab}:
     * slabinfo name to the wanted caches it stands for.
     */
    static Map<String, List<String>> groups(List<String> wanted, Collection<String> slabinfoNames) {
        Map<String, String> wantedTarget = new HashMap<>();
        for (String c : wanted) {
            String t = target(c);
            if (t != null) {
                wantedTarget.put(c, t);
            }
        }
        Map<String, List<String>> groups = new TreeMap<>();
        for (String name : slabinfoNames) {
            String t = target(name);
            if (t == null) {
                continue;
            }
            List<String> members = new ArrayList<>();
            wantedTarget.forEach((c, ct) -> {
                if (ct.equals(t)) {
                    members.add(c);
                }
            });
            if (!members.isEmpty()) {
                Collections.sort(members);
                groups.put(name, members);
            }
        }
        return groups;
    }

    private static String target(String cache) {
        try {
            Path p = Path.of("/sys/kernel/slab", cache);
            return Files.exists(p) ? p.toRealPath().toString() : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Caches that grew by at least {@code min} bytes, largest first, as "name +bytes" items. */
    String grownCaches(KernelMemory before, long min, int top) {
        Map<String, Long> d = new HashMap<>();
        for (String c : slabBytes.keySet()) {
            long x = delta(before, c);
            if (x >= min) {
                d.put(c, x);
            }
        }
        StringBuilder sb = new StringBuilder();
        d.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(top)
                .forEach(e -> sb.append(sb.length() == 0 ? "" : ", ").append(e.getKey()).append(" +").append(e.getValue()));
        return sb.toString();
    }
}
