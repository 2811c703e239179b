import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import java.lang.foreign.*;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import static java.lang.foreign.ValueLayout.*;

/** ns per write(2) of a 60-byte frame and per readv(2) (empty queue, EAGAIN) on a TAP fd: JNA vs FFM. Run in a netns. */
public class TapCallCost {
    static { Native.register(TapCallCost.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME)); }
    static native long write(int fd, long buf, long count);
    static native long readv(int fd, long iov, int n);
    static native int open(String path, int flags);
    static native int ioctl(int fd, long req, long arg);

    public static void main(String[] a) throws Throwable {
        int fd = open("/dev/net/tun", 2 | 0x800);
        ByteBuffer ifr = ByteBuffer.allocateDirect(40).order(ByteOrder.nativeOrder());
        ifr.put(0, "tap0\0".getBytes());
        ifr.putShort(16, (short) (0x0002 | 0x1000));
        long ifrA = com.sun.jna.Pointer.nativeValue(Native.getDirectBufferPointer(ifr));
        if (ioctl(fd, 0x400454caL, ifrA) < 0) throw new IllegalStateException("TUNSETIFF " + Native.getLastError());
        new ProcessBuilder("ip", "link", "set", "tap0", "up").inheritIO().start().waitFor();
        ByteBuffer frame = ByteBuffer.allocateDirect(2048);
        byte[] arp = new byte[60];
        for (int i = 0; i < 6; i++) arp[i] = -1;
        arp[6] = 2; arp[11] = 2; arp[12] = 8; arp[13] = 6; // ethertype ARP
        arp[14] = 0; arp[15] = 1; arp[16] = 8; arp[17] = 0; arp[18] = 6; arp[19] = 4; arp[20] = 0; arp[21] = 2;
        frame.put(0, arp);
        long addr = com.sun.jna.Pointer.nativeValue(Native.getDirectBufferPointer(frame));
        ByteBuffer iov = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
        iov.putLong(0, addr); iov.putLong(8, 2048);
        long iovA = com.sun.jna.Pointer.nativeValue(Native.getDirectBufferPointer(iov));

        Linker l = Linker.nativeLinker();
        Linker.Option errno = Linker.Option.captureCallState("errno");
        FunctionDescriptor wd = FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG);
        FunctionDescriptor rd = FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT);
        MemorySegment w = l.defaultLookup().find("write").orElseThrow(), r = l.defaultLookup().find("readv").orElseThrow();
        MethodHandle wPlain = l.downcallHandle(w, wd, errno), rPlain = l.downcallHandle(r, rd, errno);
        MethodHandle wCrit = l.downcallHandle(w, wd, errno, Linker.Option.critical(false));
        MethodHandle rCrit = l.downcallHandle(r, rd, errno, Linker.Option.critical(false));
        MemorySegment st = Arena.ofAuto().allocate(Linker.Option.captureStateLayout());
        int n = 300_000;
        for (int round = 0; round < 4; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) write(fd, addr, 60);
            long t1 = System.nanoTime();
            for (int i = 0; i < n; i++) { long x = (long) wPlain.invokeExact(st, fd, addr, 60L); }
            long t2 = System.nanoTime();
            for (int i = 0; i < n; i++) { long x = (long) wCrit.invokeExact(st, fd, addr, 60L); }
            long t3 = System.nanoTime();
            for (int i = 0; i < n; i++) readv(fd, iovA, 1);
            long t4 = System.nanoTime();
            for (int i = 0; i < n; i++) { long x = (long) rPlain.invokeExact(st, fd, iovA, 1); }
            long t5 = System.nanoTime();
            for (int i = 0; i < n; i++) { long x = (long) rCrit.invokeExact(st, fd, iovA, 1); }
            long t6 = System.nanoTime();
            System.out.printf("round %d: write JNA %.0f, FFM %.0f, FFM critical %.0f | readv(EAGAIN) JNA %.0f, FFM %.0f, FFM critical %.0f ns/call%n",
                    round, (t1 - t0) / (double) n, (t2 - t1) / (double) n, (t3 - t2) / (double) n,
                    (t4 - t3) / (double) n, (t5 - t4) / (double) n, (t6 - t5) / (double) n);
        }
    }
}
