package io.tapwire.net;

/**
 * The default router list of RFC 4861 (section 6.3.4, Linux's {@code accept_ra_defrtr=1}): the
 * routers whose advertisements carried a non-zero router lifetime, each until that lifetime ends;
 * an advertisement with lifetime 0 removes its router at once. Destinations that are not on-link
 * go to one of them (next-hop determination, section 5.2): the first that is reachable or probably
 * reachable, else the first (section 6.3.6, which lets a host pick any when none is known to be).
 *
 * <p>Entries expire lazily (a lookup skips and drops an expired router), so no timer runs; the
 * list is small and fixed, allocation-free after construction. Owned by the stack thread.
 */
public final class DefaultRouters {
    /** How many routers are remembered; a further one is ignored while these live (Linux has no fixed limit). */
    static final int CAPACITY = 8;

    private final long[] hi = new long[CAPACITY];
    private final long[] lo = new long[CAPACITY];
    private final long[] expires = new long[CAPACITY];
    private int count;
    private long now;
    private long chosenHi;
    private long chosenLo;

    public void setNow(long now) {
        this.now = now;
    }

    /**
     * A router advertisement from {@code hi:lo} (a link-local address) with a router lifetime of
     * {@code lifetimeSeconds}: the router is added or its lifetime reset; 0 removes it.
     *
     * @return false when the list was full and the router could not be added
     */
    public boolean advertised(long hi, long lo, int lifetimeSeconds) {
        int i = indexOf(hi, lo);
        if (lifetimeSeconds == 0) {
            if (i >= 0) {
                remove(i);
            }
            return true;
        }
        long until = now + lifetimeSeconds * 1_000_000_000L;
        if (i >= 0) {
            expires[i] = until;
            return true;
        }
        dropExpired();
        if (count == CAPACITY) {
            return false;
        }
        this.hi[count] = hi;
        this.lo[count] = lo;
        expires[count] = until;
        count++;
        return true;
    }

    /** Whether any router lives: off-link destinations have a route. */
    public boolean any() {
        dropExpired();
        return count > 0;
    }

    /** Routers that live now. */
    public int size() {
        dropExpired();
        return count;
    }

    /**
     * Picks the router for an off-link destination (section 6.3.6): the first whose neighbour entry
     * is not INCOMPLETE (reachable or probably so), else the first. Its address is then
     * {@link #chosenHi()} / {@link #chosenLo()}.
     *
     * @return false when there is no router
     */
    public boolean choose(NeighbourCache neighbours) {
        dropExpired();
        if (count == 0) {
            return false;
        }
        int pick = 0;
        for (int i = 0; i < count; i++) {
            NeighbourCache.State s = neighbours.state(hi[i], lo[i]);
            if (s != NeighbourCache.State.FREE && s != NeighbourCache.State.INCOMPLETE) {
                pick = i;
                break;
            }
        }
        chosenHi = hi[pick];
        chosenLo = lo[pick];
        return true;
    }

    /** The upper half of the router {@link #choose} picked. */
    public long chosenHi() {
        return chosenHi;
    }

    /** The lower half of the router {@link #choose} picked. */
    public long chosenLo() {
        return chosenLo;
    }

    /** Whether {@code hi:lo} is in the list and lives. */
    public boolean contains(long hi, long lo) {
        dropExpired();
        return indexOf(hi, lo) >= 0;
    }

    private int indexOf(long h, long l) {
        for (int i = 0; i < count; i++) {
            if (hi[i] == h && lo[i] == l) {
                return i;
            }
        }
        return -1;
    }

    private void dropExpired() {
        for (int i = count - 1; i >= 0; i--) {
            if (now >= expires[i]) {
                remove(i);
            }
        }
    }

    private void remove(int i) {
        count--;
        for (int k = i; k < count; k++) {
            hi[k] = hi[k + 1];
            lo[k] = lo[k + 1];
            expires[k] = expires[k + 1];
        }
    }
}
