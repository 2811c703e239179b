package io.tapwire.apps.nio;

import io.undertow.Undertow;
import io.undertow.util.Headers;

import java.nio.ByteBuffer;

/**
 * An Undertow 2 server (on XNIO's NIO provider, which takes its selectors and channels from the
 * installed SelectorProvider), nothing of tapwire in it: {@code /bytes/N} answers N bytes (byte k
 * is k mod 256), {@code /echo} answers the request's body, anything else "hello". Argument: the port.
 */
public final class UndertowServerMain {
    private UndertowServerMain() {
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        Undertow server = Undertow.builder()
                .addHttpListener(port, "0.0.0.0")
                .setHandler(exchange -> {
                    String path = exchange.getRequestPath();
                    if (path.equals("/echo")) {
                        exchange.getRequestReceiver().receiveFullBytes((ex, data) -> {
                            ex.getResponseHeaders().put(Headers.CONTENT_LENGTH, data.length);
                            ex.getResponseSender().send(ByteBuffer.wrap(data));
                        });
                        return;
                    }
                    byte[] body = path.startsWith("/bytes/")
                            ? Bodies.body(Integer.parseInt(path.substring("/bytes/".length())))
                            : "hello\n".getBytes();
                    exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, body.length);
                    exchange.getResponseSender().send(ByteBuffer.wrap(body));
                })
                .build();
        server.start();
        System.out.println("UndertowServerMain listening on port " + port);
    }
}
