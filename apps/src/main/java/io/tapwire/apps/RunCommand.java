package io.tapwire.apps;

import io.tapwire.Stack;
import io.tapwire.StackConfig;
import io.tapwire.StackRunner;
import io.tapwire.link.NetDevice;
import io.tapwire.link.PcapTap;
import io.tapwire.link.PcapWriter;
import io.tapwire.nio.TapwireNio;
import io.tapwire.nio.TapwireAsynchronousChannelProvider;
import io.tapwire.nio.TapwireSelectorProvider;
import io.tapwire.nio.TapwireDatagramSocketImplFactory;
import io.tapwire.nio.TapwireSocketImplFactory;
import io.tapwire.tap.TapDevice;
import io.tapwire.time.Clock;
import io.tapwire.wire.Ipv4Address;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code tapwire run}: starts an unmodified Java program with its networking on a tapwire stack
 * attached to a TAP. The JDK's {@code java.nio.channels.spi.SelectorProvider} becomes
 * {@link TapwireSelectorProvider}, its {@code AsynchronousChannelProvider}
 * {@link TapwireAsynchronousChannelProvider} (NIO.2) and the {@code Socket}/{@code ServerSocket}
 * factories {@link TapwireSocketImplFactory}, and the {@code DatagramSocket} factory
 * {@link TapwireDatagramSocketImplFactory}, so NIO servers and clients (HttpServer, HttpClient,
 * Netty's NIO transport), NIO.2 programs and blocking java.net programs (TCP and UDP) use the stack. The program's {@code main} runs
 * in this JVM; {@code tapwire run} returns when the program's non-daemon threads have ended, or
 * the program exits.
 */
@Command(name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Run an unmodified Java program with its sockets on a tapwire stack attached to a TAP device.",
            "",
            "  tapwire run --netns NS --classpath app.jar -- com.example.Server 8080",
            "",
            "The program's NIO channels, selectors and java.net sockets are tapwire's; binding 0.0.0.0 or the stack's "
                    + "address (--addr) serves on the TAP. tapwire has no loopback interface: binding 127.0.0.1 fails with "
                    + "'Cannot assign requested address' and connecting to 127.0.0.1 is refused; reach the program at the "
                    + "stack's address instead. With --addr6, TCP channels speak IPv6 too (datagram channels IPv4 only)."
        })
public final class RunCommand implements Callable<Integer> {
    @Mixin
    StackTapOptions stackOptions;

    @Option(names = {"--classpath", "-cp"}, paramLabel = "CP",
            description = "Where the program's classes are: jars and directories separated by ':' "
                    + "(default: this JVM's class path).")
    String classpath;

    @Parameters(index = "0", paramLabel = "MAIN-CLASS", description = "The program's main class.")
    String mainClass;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "The program's arguments (after --).")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        StackConfig config;
        try {
            config = stackOptions.config();
            if (stackOptions.tapTx != null) {
                StackTapOptions.tapTx(stackOptions.tapTx);
            }
        } catch (IllegalArgumentException e) {
            System.err.println("tapwire run: " + e.getMessage());
            return 2;
        }
        Method main = findMain();
        // Before anything asks the JDK for its provider (it reads the property once), and only
        // once the command line is known to be good, so a usage error changes nothing.
        System.setProperty(TapwireNio.PROVIDER_PROPERTY, TapwireSelectorProvider.class.getName());
        System.setProperty(TapwireNio.ASYNC_PROVIDER_PROPERTY, TapwireAsynchronousChannelProvider.class.getName());
        stackOptions.mtu = TapMtu.resolve(stackOptions.mtuOption, stackOptions.netns, stackOptions.tap);
        TapDevice tap = stackOptions.netns == null
                ? TapDevice.open(stackOptions.tap, stackOptions.mtu, stackOptions.ringSize, !stackOptions.noOffload)
                : TapDevice.openInNetns(stackOptions.netns, stackOptions.tap, stackOptions.mtu, stackOptions.ringSize, !stackOptions.noOffload);
        NetDevice device = tap;
        if (stackOptions.pcap != null) {
            device = new PcapTap(tap, new PcapWriter(stackOptions.pcap), Clock.SYSTEM.epochOffsetNanos());
        }
        Stack stack = new Stack(device, config);
        StackRunner runner = stackOptions.busyPoll(new StackRunner(stack, device, Clock.SYSTEM)).start();
        NetDevice dev = device;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            runner.close();
            dev.close();
            System.err.println("tapwire run: " + runner.describeWakeups());
        }, "tapwire-run-shutdown"));
        TapwireNio.install(stack);
        SelectorProvider provider = SelectorProvider.provider();
        if (!(provider instanceof TapwireSelectorProvider tapwire)) {
            System.err.println("tapwire run: the JDK's SelectorProvider (" + provider.getClass().getName()
                    + ") was loaded before tapwire could install its own; the program would not use the stack");
            return 1;
        }
        java.nio.channels.spi.AsynchronousChannelProvider async = java.nio.channels.spi.AsynchronousChannelProvider.provider();
        if (!(async instanceof TapwireAsynchronousChannelProvider)) {
            System.err.println("tapwire run: the JDK's AsynchronousChannelProvider (" + async.getClass().getName()
                    + ") was loaded before tapwire could install its own; NIO.2 channels would not use the stack");
            return 1;
        }
        TapwireSocketImplFactory.install(tapwire);
        // Classic DatagramSocket/MulticastSocket are built on the JDK's default provider, not the
        // installed one, unless a DatagramSocketImplFactory is set.
        TapwireDatagramSocketImplFactory.install(tapwire);
        disableNettyNativeTransports();
        awaitIpv6Addresses(stack);
        System.err.println("tapwire run: " + mainClass + " on " + Ipv4Address.toString(config.address) + "/" + config.prefixLength
                + (config.address6 == null ? "" : " and " + config.address6 + "/" + config.prefixLength6)
                + " via " + tap.name() + (stackOptions.netns == null ? "" : " in network namespace " + stackOptions.netns));
        try {
            main.invoke(null, (Object) args.toArray(new String[0]));
        } catch (InvocationTargetException e) {
            System.err.println("tapwire run: " + mainClass + ".main failed:");
            e.getCause().printStackTrace();
            return 1;
        }
        awaitProgramThreads();
        return 0;
    }

    /**
     * Before the program starts, its IPv6 addresses finish duplicate address detection (RFC 4862
     * 5.4: a tentative address cannot be a connection's source), so a program that connects at
     * once does not fail with "no usable IPv6 source address" for the first second; the way a
     * service waits for network-online at boot. Bounded: after 5 s the program starts anyway.
     */
    /**
     * Netty's native transports (epoll, io_uring, kqueue) make their own system calls on kernel
     * sockets, past any SelectorProvider: a program that picks one when it loads (gRPC's shaded
     * Netty and Reactor Netty do by default) would serve on the kernel, silently. Netty reads
     * {@code io.netty.transport.noNative} (gRPC's copy the relocated name) when a transport class
     * loads; with it set, {@code Epoll.isAvailable()} is false and such programs take NIO, which is
     * tapwire's, while one that insists on epoll fails with Netty's "explicit disabled" cause
     * rather than use the kernel unseen. A value the user set (-D...=false) is left alone.
     */
    static void disableNettyNativeTransports() {
        for (String property : NETTY_NO_NATIVE) {
            if (System.getProperty(property) == null) {
                System.setProperty(property, "true");
            }
        }
    }

    /** Netty's switch and gRPC's relocated copy of it (grpc-netty-shaded). */
    static final List<String> NETTY_NO_NATIVE = List.of("io.netty.transport.noNative", "io.grpc.netty.shaded.io.netty.transport.noNative");

    private static void awaitIpv6Addresses(Stack stack) throws InterruptedException {
        if (!stack.ipv6Enabled()) {
            return;
        }
        long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        while (!stack.ipv6Addresses().settled() && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        if (!stack.ipv6Addresses().settled()) {
            System.err.println("tapwire run: IPv6 duplicate address detection has not finished after 5 s; starting anyway");
        }
    }

    private Method findMain() throws Exception {
        ClassLoader loader = classpath == null ? RunCommand.class.getClassLoader() : classLoader(classpath);
        Thread.currentThread().setContextClassLoader(loader);
        Class<?> c;
        try {
            c = Class.forName(mainClass, false, loader);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("main class " + mainClass + " not found"
                    + (classpath == null ? " on tapwire's class path; give --classpath" : " in --classpath " + classpath));
        }
        Method m = c.getMethod("main", String[].class);
        if (!Modifier.isStatic(m.getModifiers())) {
            throw new IllegalArgumentException(mainClass + ".main is not static");
        }
        m.setAccessible(true);
        return m;
    }

    private static ClassLoader classLoader(String cp) throws MalformedURLException {
        List<URL> urls = new ArrayList<>();
        for (String part : cp.split(File.pathSeparator)) {
            if (!part.isEmpty()) {
                urls.add(new File(part).toURI().toURL());
            }
        }
        return new URLClassLoader(urls.toArray(new URL[0]), RunCommand.class.getClassLoader());
    }

    /** Like the java launcher: the program lives while it has non-daemon threads. */
    private static void awaitProgramThreads() throws InterruptedException {
        Thread self = Thread.currentThread();
        while (true) {
            Thread waitFor = null;
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t != self && t.isAlive() && !t.isDaemon() && !"DestroyJavaVM".equals(t.getName())) {
                    waitFor = t;
                    break;
                }
            }
            if (waitFor == null) {
                return;
            }
            waitFor.join();
        }
    }
}
