package io.tapwire.apps;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;

/**
 * The {@code tapwire} command line: {@code up} serves on a TAP device, {@code demo} shows the
 * stack answering real Linux tools inside a private network namespace, {@code load} is the echo
 * QPS client of the seed notes, {@code bench} compares tapwire with the Linux kernel, {@code run}
 * starts an unmodified Java program on the stack.
 */
@Command(name = "tapwire",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "A userspace TCP/IP stack in pure Java on a Linux TAP device.",
        subcommands = {UpCommand.class, DemoCommand.class, RunCommand.class, io.tapwire.apps.bench.LoadCommand.class, BenchCommand.class, io.tapwire.apps.impair.RelayCommand.class, RecordCommand.class, ConformanceCommand.class, io.tapwire.apps.ss.SsCommand.class, io.tapwire.apps.ss.NstatCommand.class, io.tapwire.apps.iperf.IperfCommand.class, io.tapwire.apps.soak.SoakCommand.class, HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (for tests: no {@code System.exit}). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        // Errors the user can act on (not root, no /dev/net/tun, a bad address) carry a message that
        // says what to do; print it without a stack trace.
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + e.getMessage());
            if (Boolean.getBoolean("tapwire.trace")) {
                e.printStackTrace(commandLine.getErr());
            }
            return 1;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        // "tapwire" alone: say what there is to run.
        spec.commandLine().usage(System.out);
    }

    /**
     * The version from the jar's manifest ("development build" when run from classes), then the
     * Java runtime and how the TAP driver makes its per-frame system calls on it (JNA, or FFM
     * downcalls on Java 22+: {@link io.tapwire.tap.TapDevice#systemCalls()}).
     */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"tapwire " + (v == null ? "development build" : v),
                    "Java " + Runtime.version() + ", TAP system calls: " + io.tapwire.tap.TapDevice.systemCalls()};
        }
    }
}
