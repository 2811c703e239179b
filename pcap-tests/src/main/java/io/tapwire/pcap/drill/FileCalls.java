package io.tapwire.pcap.drill;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Linux's file calls the scripts use around sockets: {@code open("/tmp/NAME", O_RDONLY) = FD} on a
 * file of the run's {@link ScratchFiles} (made by a shell line), and {@code sendfile(OUT, IN,
 * [OFFSET], COUNT)}: the file's bytes from OFFSET (up to COUNT, fewer at its end) written to the
 * connected socket OUT as write() would write them (blocking until all are queued on a blocking
 * socket, partial or EAGAIN on a non-blocking one). Linux's sendfile with an offset leaves the
 * file position alone; with NULL it reads from the position and advances it.
 */
final class FileCalls {
    private final Syscalls.Context ctx;
    private final Syscalls calls;

    FileCalls(Syscalls.Context ctx, Syscalls calls) {
        this.ctx = ctx;
        this.calls = calls;
    }

    Syscalls.Call open(Script.Syscall s, int line) {
        Syscalls.arityAtLeast(s, 2, line);
        if (!(s.args().get(0) instanceof Expr.Str path)) {
            throw ScriptException.syntax(line, "open() needs a path string");
        }
        long flags = Syscalls.eval(s.args().get(1), line);
        if ((flags & 3) != 0) {   // O_ACCMODE other than O_RDONLY
            throw ScriptException.unsupported(line, "open() other than O_RDONLY");
        }
        Path file = scratch(line).map(path.value(), line);
        boolean expectFailure = s.result() instanceof Expr.Int i && i.value() < 0;
        int fd = expectFailure ? -1 : calls.newDescriptor(s, line);
        return new Syscalls.Call(null, () -> {
            if (!Files.isRegularFile(file)) {
                return Syscalls.Result.error("ENOENT");
            }
            if (expectFailure) {
                throw new ScriptFailure(line, "open(" + path.value() + ") succeeded, expected it to fail");
            }
            DrillSocket f = new DrillSocket(fd);
            f.file = file;
            calls.add(f);
            return Syscalls.Result.ok(fd);
        });
    }

    Syscalls.Call sendfile(Script.Syscall s, int line) {
        Syscalls.arity(s, 4, line);
        DrillSocket out = calls.socket(s.args().get(0), line);
        DrillSocket in = calls.socket(s.args().get(1), line);
        Expr offsetArg = s.args().get(2);
        boolean usePosition = offsetArg instanceof Expr.Symbol sym && sym.name().equals("NULL");
        long offset = usePosition ? 0 : Syscalls.eval(offsetArg, line);
        long count = Syscalls.eval(s.args().get(3), line);
        int[] done = {0};
        byte[][] bytes = {null};
        return new Syscalls.Call(out, () -> {
            if (in.file == null) {
                return Syscalls.Result.error("EINVAL");   // sendfile's in_fd must be a file (mmap-able)
            }
            if (out.connection == null) {
                return Syscalls.Result.error("EPIPE");
            }
            if (bytes[0] == null) {
                byte[] all;
                try {
                    all = Files.readAllBytes(in.file);
                } catch (NoSuchFileException e) {
                    return Syscalls.Result.error("ENOENT");
                }
                long from = usePosition ? in.filePosition : offset;
                int n = (int) Math.max(0, Math.min(count, all.length - from));
                bytes[0] = java.util.Arrays.copyOfRange(all, (int) Math.min(from, all.length), (int) Math.min(from, all.length) + n);
            }
            byte[] b = bytes[0];
            if (b.length > done[0]) {
                try {
                    done[0] += ctx.stack().tcp().calls().write(out.connection.tcb(), b, done[0], b.length - done[0], 0, false, false);
                } catch (IOException e) {
                    return done[0] > 0 ? finish(in, usePosition, done[0]) : Syscalls.socketError(out, e, true);
                }
            }
            if (done[0] == b.length || out.nonBlocking && done[0] > 0) {
                return finish(in, usePosition, done[0]);
            }
            return null;
        });
    }

    private static Syscalls.Result finish(DrillSocket in, boolean usePosition, int sent) {
        if (usePosition) {
            in.filePosition += sent;
        }
        return Syscalls.Result.ok(sent);
    }

    private ScratchFiles scratch(int line) {
        ScratchFiles s = ctx.scratch();
        if (s == null) {
            throw ScriptException.unsupported(line, "files (this run has no scratch folder)");
        }
        return s;
    }
}
