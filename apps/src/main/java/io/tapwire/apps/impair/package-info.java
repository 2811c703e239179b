/**
 * Link impairment on a real TAP, since this kernel has no netem qdisc: {@code tapwire up --impair}
 * ({@link io.tapwire.apps.impair.ImpairOptions}, a spec parsed by {@link io.tapwire.apps.impair.ImpairSpec}
 * into the fault injector's {@link io.tapwire.link.LinkProfile}), the impairment relay between two
 * TAPs for a Linux ↔ Linux baseline ({@link io.tapwire.apps.impair.ImpairRelay},
 * {@link io.tapwire.apps.impair.RelayedPair}, {@code tapwire relay}), and {@code tapwire bench impair}
 * (goodput per congestion control through the same impairment, as ratios to Linux ↔ Linux).
 */
package io.tapwire.apps.impair;
