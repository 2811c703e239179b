package io.tapwire.apps.nio;

import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpStatus;
import org.apache.hc.core5.http.Message;
import org.apache.hc.core5.http.URIScheme;
import org.apache.hc.core5.http.impl.bootstrap.AsyncServerBootstrap;
import org.apache.hc.core5.http.impl.bootstrap.HttpAsyncServer;
import org.apache.hc.core5.http.nio.AsyncRequestConsumer;
import org.apache.hc.core5.http.nio.AsyncServerRequestHandler;
import org.apache.hc.core5.http.nio.entity.BasicAsyncEntityConsumer;
import org.apache.hc.core5.http.nio.entity.BasicAsyncEntityProducer;
import org.apache.hc.core5.http.nio.support.BasicRequestConsumer;
import org.apache.hc.core5.http.nio.support.BasicResponseProducer;
import org.apache.hc.core5.http.nio.support.BasicServerExchangeHandler;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.reactor.IOReactorConfig;
import org.apache.hc.core5.reactor.ListenerEndpoint;

import java.net.InetSocketAddress;

/**
 * An Apache HttpCore 5 asynchronous server (its own I/O reactor: one dispatcher thread per CPU,
 * each running a java.nio Selector over non-blocking channels from the installed SelectorProvider),
 * nothing of tapwire in it: {@code /bytes/N} answers N bytes (byte k is k mod 256), {@code /echo}
 * answers the request's body, anything else "hello". Argument: the port.
 */
public final class HttpCoreServerMain {
    private HttpCoreServerMain() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        AsyncServerRequestHandler<Message<HttpRequest, byte[]>> handler = new AsyncServerRequestHandler<>() {
            @Override
            public AsyncRequestConsumer<Message<HttpRequest, byte[]>> prepare(HttpRequest request, EntityDetails entity,
                                                                               HttpContext context) {
                return new BasicRequestConsumer<>(BasicAsyncEntityConsumer::new);
            }

            @Override
            public void handle(Message<HttpRequest, byte[]> message, ResponseTrigger trigger, HttpContext context)
                    throws org.apache.hc.core5.http.HttpException, java.io.IOException {
                String path = message.getHead().getPath();
                byte[] body;
                if (path.equals("/echo")) {
                    body = message.getBody() == null ? new byte[0] : message.getBody();
                } else if (path.startsWith("/bytes/")) {
                    body = Bodies.body(Integer.parseInt(path.substring("/bytes/".length())));
                } else {
                    body = "hello\n".getBytes();
                }
                trigger.submitResponse(new BasicResponseProducer(HttpStatus.SC_OK,
                        new BasicAsyncEntityProducer(body, ContentType.APPLICATION_OCTET_STREAM)), context);
            }
        };
        HttpAsyncServer server = AsyncServerBootstrap.bootstrap()
                .setIOReactorConfig(IOReactorConfig.custom().setIoThreadCount(2).build())
                // Any Host: registered handlers answer only the canonical host name (421 otherwise),
                // and curl sends the address it was given.
                .setRequestRouter((request, context) -> () -> new BasicServerExchangeHandler<>(handler))
                .create();
        server.start();
        ListenerEndpoint endpoint = server.listen(new InetSocketAddress(port), URIScheme.HTTP).get();
        System.out.println("HttpCoreServerMain listening on port " + port + " (" + endpoint.getAddress() + ")");
        server.awaitShutdown(org.apache.hc.core5.util.TimeValue.MAX_VALUE);
    }
}
