package io.tapwire.tcp.cc;

import java.util.List;
import java.util.Locale;

/**
 * Congestion control algorithms by the names Linux uses for {@code net.ipv4.tcp_congestion_control}
 * and {@code TCP_CONGESTION}: {@code reno}, {@code newreno} and {@code cubic} (the default, as on
 * Linux). Each call makes a fresh instance: one per connection.
 */
public final class CongestionControls {
    /** Linux's default. */
    public static final String DEFAULT = "cubic";

    private static final List<String> AVAILABLE = List.of("reno", "newreno", "cubic");

    private CongestionControls() {
    }

    /** The names {@link #create} accepts, as {@code tcp_available_congestion_control} lists them. */
    public static List<String> available() {
        return AVAILABLE;
    }

    /**
     * A new instance of the algorithm called {@code name} (case-insensitive).
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static CongestionControl create(String name) {
        if (name == null) {
            throw new IllegalArgumentException("tcp_congestion_control must name an algorithm; available: "
                    + String.join(" ", AVAILABLE));
        }
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "reno" -> new Reno();
            case "newreno" -> new NewReno();
            case "cubic" -> new Cubic();
            default -> throw new IllegalArgumentException("unknown congestion control '" + name + "'; available: "
                    + String.join(" ", AVAILABLE));
        };
    }
}
