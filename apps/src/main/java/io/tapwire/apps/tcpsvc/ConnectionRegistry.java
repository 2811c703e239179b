package io.tapwire.apps.tcpsvc;

import io.tapwire.apps.net.StreamConnection;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The live connections of one or more {@link StreamServer}s. Share one registry between the echo,
 * discard, chargen and HTTP servers and the HTTP index page lists all of their connections.
 * Thread-safe: servers add and remove entries from their handler threads while readers take
 * {@linkplain #snapshot() snapshots}.
 */
public final class ConnectionRegistry {
    private final AtomicLong nextId = new AtomicLong(1);
    private final ConcurrentMap<Long, LiveConnection> live = new ConcurrentHashMap<>();

    LiveConnection register(String service, StreamConnection connection) {
        LiveConnection entry = new LiveConnection(nextId.getAndIncrement(), service, connection);
        live.put(entry.id(), entry);
        return entry;
    }

    void remove(LiveConnection entry) {
        live.remove(entry.id());
    }

    /** The connections open right now, oldest first. Their counters keep moving after the call. */
    public List<LiveConnection> snapshot() {
        List<LiveConnection> list = new ArrayList<>(live.values());
        list.sort(Comparator.comparingLong(LiveConnection::id));
        return list;
    }

    /** {@link #snapshot()} as the HTTP index page lists it. */
    public List<ConnectionInfo> infos() {
        List<LiveConnection> live = snapshot();
        List<ConnectionInfo> infos = new ArrayList<>(live.size());
        for (LiveConnection c : live) {
            infos.add(c.info());
        }
        return infos;
    }

    /** How many connections are open right now. */
    public int size() {
        return live.size();
    }
}
