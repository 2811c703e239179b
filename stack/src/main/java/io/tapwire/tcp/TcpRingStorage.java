package io.tapwire.tcp;

import io.tapwire.link.RxPlacement;
import io.tapwire.net.Interface;

import java.util.function.Predicate;

/**
 * Where connection rings get their storage, and how payload reaches and leaves them without a
 * copy on the stack thread: one {@link BufferPool} for the stack, charged to {@code tcp_mem};
 * direct send rings when the device gathers TX payload from them
 * ({@link io.tapwire.link.LinkOffloads#txGather()} with checksum offload), and direct receive rings
 * when it places received payload in them ({@link RxPlacement}).
 */
final class TcpRingStorage {
    private final BufferPool pool = new BufferPool(64L * 1024 * 1024);
    private final boolean gatherSend;
    private TcpRxPlacement rxPlacement;

    TcpRingStorage(Interface iface, TcpMemory memory) {
        pool.chargeTo(memory);
        this.gatherSend = iface.offloads().txGather() && iface.offloads().txChecksum();
        if (gatherSend) {
            pool.guardTransmit(iface.txRing());
        }
    }

    BufferPool pool() { return pool; }

    /** True when data segments point into (direct) send rings instead of carrying a copy. */
    boolean gatherSend() { return gatherSend; }

    /** The header-data split's TCP side, or null when the device does not split. */
    TcpRxPlacement rxPlacement() { return rxPlacement; }

    /**
     * Offers the device a header-data split: when {@code device} takes it, receive rings are direct
     * memory from then on. Before any connection exists. Returns the placement taken, or null.
     */
    RxPlacement placeReceivedPayload(Predicate<RxPlacement> device) {
        TcpRxPlacement p = new TcpRxPlacement();
        if (!device.test(p.placement())) {
            return null;
        }
        rxPlacement = p;
        return p.placement();
    }

    ByteRing newReceiveRing(int capacity) {
        return new ByteRing(capacity, pool, rxPlacement != null);
    }

    ByteRing newSendRing(int capacity) {
        return new ByteRing(capacity, pool, gatherSend);
    }
}
