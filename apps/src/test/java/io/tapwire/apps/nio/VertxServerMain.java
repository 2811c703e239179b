package io.tapwire.apps.nio;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;

import java.util.concurrent.CompletableFuture;

/**
 * A Vert.x 4 HTTP server (Netty 4.1 underneath), nothing of tapwire in it, asking for Netty's
 * native transport as a Vert.x deployment may ({@code preferNativeTransport}): {@code /bytes/N}
 * answers N bytes (byte k is k mod 256), {@code /echo} answers the request's body, anything else
 * "hello". Prints whether the native transport is in use, then that it listens. Argument: the port.
 */
public final class VertxServerMain {
    private VertxServerMain() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
        System.out.println("VertxServerMain: native transport " + vertx.isNativeTransportEnabled()
                + (vertx.isNativeTransportEnabled() ? "" : " (" + vertx.unavailableNativeTransportCause() + ")"));
        CompletableFuture<Integer> bound = new CompletableFuture<>();
        vertx.createHttpServer().requestHandler(req -> {
            String path = req.path();
            if (path.equals("/echo")) {
                req.body().onSuccess(body -> req.response().end(body)).onFailure(bound::completeExceptionally);
                return;
            }
            byte[] body = path.startsWith("/bytes/") ? Bodies.body(Integer.parseInt(path.substring("/bytes/".length())))
                    : "hello\n".getBytes();
            req.response().end(Buffer.buffer(body));
        }).listen(port, "0.0.0.0").onComplete(r -> {
            if (r.succeeded()) {
                bound.complete(r.result().actualPort());
            } else {
                bound.completeExceptionally(r.cause());
            }
        });
        System.out.println("VertxServerMain listening on port " + bound.get());
    }
}
