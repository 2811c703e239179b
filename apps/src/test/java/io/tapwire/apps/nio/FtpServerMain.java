package io.tapwire.apps.nio;

import org.apache.ftpserver.DataConnectionConfigurationFactory;
import org.apache.ftpserver.FtpServer;
import org.apache.ftpserver.FtpServerFactory;
import org.apache.ftpserver.ftplet.Authority;
import org.apache.ftpserver.ftplet.UserManager;
import org.apache.ftpserver.listener.ListenerFactory;
import org.apache.ftpserver.usermanager.PropertiesUserManagerFactory;
import org.apache.ftpserver.usermanager.impl.BaseUser;
import org.apache.ftpserver.usermanager.impl.WritePermission;

import java.util.List;

/**
 * Apache FtpServer 1.2 (on Apache MINA 2's NIO acceptor and connector), nothing of tapwire in it:
 * a user {@code tap} (password {@code wire}) with write access to the home directory given as the
 * second argument; passive data connections on the ports of the third argument (e.g.
 * {@code 30000-30009}), active ones connected from the server. Arguments: the control port, the
 * home directory, the passive ports. Prints that it listens once started.
 */
public final class FtpServerMain {
    private FtpServerMain() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        FtpServerFactory factory = new FtpServerFactory();
        ListenerFactory listener = new ListenerFactory();
        listener.setPort(port);
        DataConnectionConfigurationFactory data = new DataConnectionConfigurationFactory();
        data.setPassivePorts(args[2]);
        listener.setDataConnectionConfiguration(data.createDataConnectionConfiguration());
        factory.addListener("default", listener.createListener());

        UserManager users = new PropertiesUserManagerFactory().createUserManager();
        BaseUser user = new BaseUser();
        user.setName("tap");
        user.setPassword("wire");
        user.setHomeDirectory(args[1]);
        user.setAuthorities(List.<Authority>of(new WritePermission()));
        users.save(user);
        factory.setUserManager(users);

        FtpServer server = factory.createServer();
        server.start();
        System.out.println("FtpServerMain listening on port " + port);
    }
}
