package io.tapwire.apps.nio;

import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * gRPC over HTTP/2 on gRPC's own shaded Netty, nothing of tapwire in it: one unary method,
 * {@code tapwire.Echo/Say}, answering its request bytes (messages as raw bytes, so no generated
 * code). {@code server PORT} serves it on the transport gRPC picks (epoll when its native library
 * loads, NIO otherwise) and prints which; {@code client HOST PORT SIZE COUNT} calls it COUNT times
 * with SIZE-byte messages and prints "echoed COUNT calls, sha256 ..." of the last answer.
 */
public final class GrpcEchoMain {
    private GrpcEchoMain() {
    }

    static final MethodDescriptor<byte[], byte[]> SAY = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName("tapwire.Echo", "Say"))
            .setRequestMarshaller(new Bytes())
            .setResponseMarshaller(new Bytes())
            .build();

    /** Messages as they are. */
    static final class Bytes implements MethodDescriptor.Marshaller<byte[]> {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("server")) {
            boolean epoll = io.grpc.netty.shaded.io.netty.channel.epoll.Epoll.isAvailable();
            Server server = Grpc.newServerBuilderForPort(Integer.parseInt(args[1]), InsecureServerCredentials.create())
                    .addService(ServerServiceDefinition.builder("tapwire.Echo")
                            .addMethod(SAY, ServerCalls.asyncUnaryCall((request, reply) -> {
                                reply.onNext(request);
                                reply.onCompleted();
                            }))
                            .build())
                    .build()
                    .start();
            System.out.println("GrpcEchoMain: serving on port " + server.getPort() + ", epoll "
                    + (epoll ? "available" : "unavailable: " + io.grpc.netty.shaded.io.netty.channel.epoll.Epoll.unavailabilityCause().getMessage()));
            server.awaitTermination();
        } else {
            ManagedChannel channel = Grpc.newChannelBuilderForAddress(args[1], Integer.parseInt(args[2]), InsecureChannelCredentials.create()).build();
            try {
                byte[] message = Bodies.body(Integer.parseInt(args[3]));
                int count = Integer.parseInt(args[4]);
                byte[] last = null;
                for (int i = 0; i < count; i++) {
                    last = ClientCalls.blockingUnaryCall(channel, SAY, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), message);
                    if (last.length != message.length) {
                        throw new IllegalStateException("call " + i + " answered " + last.length + " bytes, not " + message.length);
                    }
                }
                System.out.println("echoed " + count + " calls, sha256 " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(last)));
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
