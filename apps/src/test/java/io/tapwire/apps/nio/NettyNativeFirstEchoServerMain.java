package io.tapwire.apps.nio;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/**
 * Netty's echo server choosing its transport the way gRPC, Reactor Netty and many frameworks do:
 * the native epoll transport when {@code Epoll.isAvailable()}, NIO otherwise. Nothing of tapwire
 * in it; it prints which transport it took and why. Argument: the port.
 */
public final class NettyNativeFirstEchoServerMain {
    private NettyNativeFirstEchoServerMain() {
    }

    public static void main(String[] args) throws Exception {
        boolean epoll = Epoll.isAvailable();
        System.out.println("NettyNativeFirstEchoServerMain: transport " + (epoll ? "epoll"
                : "nio (epoll unavailable: " + Epoll.unavailabilityCause().getMessage() + ")"));
        EventLoopGroup boss = epoll ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
        EventLoopGroup workers = epoll ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
        Class<? extends ServerChannel> type = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        try {
            new ServerBootstrap().group(boss, workers).channel(type)
                    .childHandler(new NettyEchoServerMain.EchoHandler())
                    .bind(Integer.parseInt(args[0])).sync().channel().closeFuture().sync();
        } finally {
            boss.shutdownGracefully();
            workers.shutdownGracefully();
        }
    }
}
