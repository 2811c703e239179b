package io.tapwire.apps.tcpsvc;

import io.tapwire.apps.net.JavaNetListener;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.Socket;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DiscardServiceTest {

    @Test
    void readsEverythingSendsNothingAndClosesAfterFin() throws Exception {
        ConnectionRegistry registry = new ConnectionRegistry();
        try (JavaNetListener listener = JavaNetListener.loopback(0);
             DiscardService discard = new DiscardService(listener, registry)) {
            discard.start();
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), listener.port())) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(new byte[1_000_000]);
                Await.until("the server to read 1 MB",
                        () -> registry.size() == 1 && registry.snapshot().get(0).bytesIn() == 1_000_000);
                LiveConnection c = registry.snapshot().get(0);
                assertEquals("discard", c.service());
                assertEquals(0, c.bytesOut());

                s.shutdownOutput();
                assertEquals(-1, s.getInputStream().read(), "no data, then the server's FIN");
            }
            Await.until("registry to empty", () -> registry.size() == 0);
        }
    }
}
