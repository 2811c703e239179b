package io.tapwire;

import io.tapwire.link.NetDevice;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * One host on a multi-queue device: a {@link Stack} per queue (a shard, run by a thread of its
 * own), all with the same addresses, MAC and secrets, each owning the connections whose frames
 * the kernel steers to its queue. {@link ShardSteering} hands a shard the segments of its
 * connections that arrive on another queue. Listeners are opened on every shard (the
 * SO_REUSEPORT shape: {@link #forEach}); counters and connection listings are merged here.
 *
 * <p>Each shard's active opens use a slice of {@code ip_local_port_range} of its own, so two
 * shards never pick the same 4-tuple. A group of one is a plain stack (no steering).
 *
 * <pre>{@code
 * List<TapDevice> queues = TapDevice.openQueues(null, "tap0", 1500, 256, true, 2);
 * ShardGroup group = ShardGroup.create(queues, config);
 * group.forEach(stack -> EchoServer.start(stack));
 * }</pre>
 */
public final class ShardGroup {
    private final List<Stack> stacks;

    private ShardGroup(List<Stack> stacks) {
        this.stacks = List.copyOf(stacks);
    }

    /**
     * Builds a shard per device: each gets a copy of {@code config} ({@link StackConfig#copy()})
     * with its own slice of the ephemeral port range and random seed; only the first announces
     * itself with a gratuitous ARP.
     *
     * @throws IllegalArgumentException when the port range has fewer ports than shards
     */
    public static ShardGroup create(List<? extends NetDevice> devices, StackConfig config) {
        config.validate();
        int n = devices.size();
        if (n == 0) {
            throw new IllegalArgumentException("a shard group needs at least one device");
        }
        if (n == 1) {
            return new ShardGroup(List.of(new Stack(devices.get(0), config)));
        }
        int low = config.ipLocalPortRangeLow;
        int ports = config.ipLocalPortRangeHigh - low + 1;
        if (ports < n) {
            throw new IllegalArgumentException("ip_local_port_range has " + ports + " ports, fewer than the " + n + " shards");
        }
        ShardSteering[] steering = new ShardSteering[n];
        for (int i = 0; i < n; i++) {
            steering[i] = new ShardSteering(i, steering);
        }
        List<Stack> stacks = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            StackConfig c = config.copy();
            c.ipLocalPortRangeLow = low + (int) ((long) ports * i / n);
            c.ipLocalPortRangeHigh = low + (int) ((long) ports * (i + 1) / n) - 1;
            c.seed = config.seed + i;
            c.arpGratuitousAtStart = config.arpGratuitousAtStart && i == 0;
            Stack stack = new Stack(devices.get(i), c);
            stack.joinShardGroup(steering[i]);
            stacks.add(stack);
        }
        return new ShardGroup(stacks);
    }

    /** How many shards. */
    public int size() {
        return stacks.size();
    }

    /** Shard {@code i}'s stack. */
    public Stack shard(int i) {
        return stacks.get(i);
    }

    /** Every shard's stack, in queue order. */
    public List<Stack> stacks() {
        return stacks;
    }

    /** Runs {@code action} for every shard (e.g. opening a listener on each) and collects the results. */
    public <T> List<T> forEach(Function<Stack, T> action) {
        List<T> out = new ArrayList<>(stacks.size());
        for (Stack s : stacks) {
            out.add(action.apply(s));
        }
        return out;
    }

    /**
     * The sum of every shard's counters, read from this thread (values may lag a little, as any
     * statistics reader's do).
     */
    public Statistics statistics() {
        Statistics sum = new Statistics();
        for (Stack s : stacks) {
            sum.addAll(s.statistics());
        }
        return sum;
    }

    /**
     * Runs {@code task} on every shard's own thread and returns the results in shard order (for
     * snapshots of state that belongs to the stack thread, such as the connection table).
     *
     * @throws IllegalStateException when a shard does not answer within {@code timeoutMillis}
     */
    public <T> List<T> onEachShard(Function<Stack, T> task, long timeoutMillis) {
        List<CompletableFuture<T>> futures = new ArrayList<>(stacks.size());
        for (Stack s : stacks) {
            CompletableFuture<T> f = new CompletableFuture<>();
            s.execute(() -> {
                try {
                    f.complete(task.apply(s));
                } catch (RuntimeException e) {
                    f.completeExceptionally(e);
                }
            });
            futures.add(f);
        }
        List<T> out = new ArrayList<>(futures.size());
        for (int i = 0; i < futures.size(); i++) {
            try {
                out.add(futures.get(i).get(timeoutMillis, TimeUnit.MILLISECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("shard " + i + " failed: " + e.getCause(), e.getCause());
            } catch (TimeoutException e) {
                throw new IllegalStateException("shard " + i + " did not answer within " + timeoutMillis + " ms");
            }
        }
        return out;
    }
}
