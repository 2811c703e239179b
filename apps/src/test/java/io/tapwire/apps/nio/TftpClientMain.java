package io.tapwire.apps.nio;

import org.apache.commons.net.tftp.TFTP;
import org.apache.commons.net.tftp.TFTPClient;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Apache Commons Net's TFTP client (classic {@code DatagramSocket}s; nothing of tapwire here):
 * reads {@code file} from the TFTP server at {@code host} in binary mode, prints its size and
 * SHA-256, then writes the same bytes back as {@code upload}. Arguments: host, file, upload.
 */
public final class TftpClientMain {
    private TftpClientMain() {
    }

    public static void main(String[] args) throws IOException, NoSuchAlgorithmException {
        InetAddress host = InetAddress.getByName(args[0]);
        TFTPClient tftp = new TFTPClient();
        tftp.setDefaultTimeout(java.time.Duration.ofSeconds(2));
        tftp.open();
        try {
            System.out.println("TftpClientMain: socket on " + tftp.getLocalAddress() + ":" + tftp.getLocalPort());
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            tftp.receiveFile(args[1], TFTP.BINARY_MODE, got, host);
            byte[] data = got.toByteArray();
            System.out.println("received " + data.length + " bytes sha256 "
                    + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)));
            tftp.sendFile(args[2], TFTP.BINARY_MODE, new ByteArrayInputStream(data), host);
            System.out.println("sent " + data.length + " bytes as " + args[2]);
        } finally {
            tftp.close();
        }
    }
}
