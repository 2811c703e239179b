/*
 * bulk: the kernel-side byte sink and byte source of `tapwire bench link`, and the client that
 * drives both sides the same way.
 *
 *   bulk server discard PORT     accept connections one at a time, read until EOF, discard
 *   bulk server source  PORT     accept connections one at a time, write zeros until the peer goes
 *   bulk client send HOST PORT BYTES   connect, write BYTES, shut down writing, wait for EOF
 *   bulk client recv HOST PORT BYTES   connect, read BYTES, close
 *   bulk client echo HOST PORT BYTES   connect, write BYTES to an echo server while reading them
 *                                      back (one thread, poll(2)), close
 *
 * The client prints "bytes=N seconds=S" on success. Buffers are 256 KiB: one system call moves as
 * much as the socket takes, so the tool costs as little as a tool can.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF (256 * 1024)
static char buf[BUF];

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int die(const char *what) {
    fprintf(stderr, "bulk: %s: %s\n", what, strerror(errno));
    return 1;
}

static int server(const char *mode, int port) {
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    if (s < 0) return die("socket");
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (bind(s, (struct sockaddr *) &a, sizeof a) < 0) return die("bind");
    if (listen(s, 16) < 0) return die("listen");
    int source = strcmp(mode, "source") == 0;
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0) {
            if (errno == EINTR) continue;
            return die("accept");
        }
        if (source) {
            while (write(c, buf, BUF) > 0) {
            }
        } else {
            while (read(c, buf, BUF) > 0) {
            }
        }
        close(c);
    }
}

static char rbuf[BUF];

/* Streams BYTES through an echo server: writes whenever the socket takes more, reads whenever
 * the echo is there, so both directions run at once; done when every byte came back. */
static int echo_stream(int s, long long bytes, long long *back) {
    long long sent = 0;
    while (*back < bytes) {
        struct pollfd p = {.fd = s, .events = POLLIN | (sent < bytes ? POLLOUT : 0)};
        int ready = poll(&p, 1, 10000);
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) return die("poll");
        if (ready == 0) {
            fprintf(stderr, "bulk: echo stalled for 10 s after %lld sent, %lld back\n", sent, *back);
            return 1;
        }
        if ((p.revents & POLLOUT) && sent < bytes) {
            long long want = bytes - sent < BUF ? bytes - sent : BUF;
            ssize_t n = send(s, buf, (size_t) want, MSG_DONTWAIT);
            if (n < 0 && errno != EAGAIN && errno != EINTR) return die("write");
            if (n > 0) sent += n;
        }
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = recv(s, rbuf, BUF, MSG_DONTWAIT);
            if (n < 0 && errno != EAGAIN && errno != EINTR) return die("read");
            if (n == 0) break;
            if (n > 0) *back += n;
        }
    }
    return 0;
}

static int client(const char *mode, const char *host, int port, long long bytes) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) return die("socket");
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
        fprintf(stderr, "bulk: bad address %s\n", host);
        return 2;
    }
    if (connect(s, (struct sockaddr *) &a, sizeof a) < 0) return die("connect");
    double t0 = now();
    long long done = 0;
    if (strcmp(mode, "echo") == 0) {
        if (echo_stream(s, bytes, &done) != 0) return 1;
    } else if (strcmp(mode, "send") == 0) {
        while (done < bytes) {
            long long want = bytes - done < BUF ? bytes - done : BUF;
            ssize_t n = write(s, buf, (size_t) want);
            if (n < 0) {
                if (errno == EINTR) continue;
                return die("write");
            }
            done += n;
        }
        shutdown(s, SHUT_WR);
        while (read(s, buf, BUF) > 0) { /* until the server has read everything and closed */
        }
    } else {
        while (done < bytes) {
            ssize_t n = read(s, buf, BUF);
            if (n < 0) {
                if (errno == EINTR) continue;
                return die("read");
            }
            if (n == 0) break;
            done += n;
        }
    }
    double t1 = now();
    close(s);
    if (done < bytes) {
        fprintf(stderr, "bulk: connection ended after %lld of %lld bytes\n", done, bytes);
        return 1;
    }
    printf("bytes=%lld seconds=%.6f\n", done, t1 - t0);
    return 0;
}

int main(int argc, char **argv) {
    signal(SIGPIPE, SIG_IGN);
    if (argc == 4 && strcmp(argv[1], "server") == 0) return server(argv[2], atoi(argv[3]));
    if (argc == 6 && strcmp(argv[1], "client") == 0) return client(argv[2], argv[3], atoi(argv[4]), atoll(argv[5]));
    fprintf(stderr, "usage: bulk server discard|source PORT | bulk client send|recv|echo HOST PORT BYTES\n");
    return 2;
}
