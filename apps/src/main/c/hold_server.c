/*
 * hold_server: accepts and holds idle TCP connections, the Linux server of `tapwire bench idle
 * --linux` (the kernel's own server end, next to tapwire's). One process may hold at most 20,000
 * open files here, so the benchmark starts several on one port with SO_REUSEPORT.
 *
 *   hold_server --bind A --port P --count Q
 *
 * Listens on A:P (SO_REUSEPORT, backlog 4096) and accepts until it holds Q connections; then it
 * closes its listener, so new connections go to the other processes of the group (with
 * net.ipv4.tcp_migrate_req=1 the ones still queued at this listener move there too, instead of
 * being reset). Accepted sockets are never read, written or watched: an idle connection costs the
 * kernel its socket and file, nothing else.
 *
 * Prints "ready" once listening and "held n=Q millis=T" when it has them all (T from the first
 * accept). Exits at EOF on standard input, closing everything.
 *
 * Build: gcc -O2 -o hold_server hold_server.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void die(const char *what) {
    fprintf(stderr, "hold_server: %s: %s\n", what, strerror(errno));
    exit(1);
}

int main(int argc, char **argv) {
    struct sockaddr_in addr = {.sin_family = AF_INET};
    int port = -1, count = 0;
    const char *bind_to = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--bind")) {
            bind_to = argv[i + 1];
        } else if (!strcmp(argv[i], "--port")) {
            port = atoi(argv[i + 1]);
        } else if (!strcmp(argv[i], "--count")) {
            count = atoi(argv[i + 1]);
        }
    }
    if (bind_to == NULL || inet_pton(AF_INET, bind_to, &addr.sin_addr) != 1 || port <= 0 || port > 65535 || count < 1 || argc % 2 == 0) {
        fprintf(stderr, "usage: hold_server --bind A --port P --count Q\n");
        return 2;
    }
    addr.sin_port = htons((unsigned short) port);
    signal(SIGPIPE, SIG_IGN);
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (lfd < 0) {
        die("socket");
    }
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (setsockopt(lfd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) {
        die("SO_REUSEPORT");
    }
    if (bind(lfd, (struct sockaddr *) &addr, sizeof addr) < 0) {
        die("bind");
    }
    if (listen(lfd, 4096) < 0) {
        die("listen");
    }
    printf("ready hold_server %s:%d count=%d\n", bind_to, port, count);
    fflush(stdout);
    int held = 0;
    long long first = 0;
    struct pollfd p[2] = {{.fd = 0, .events = POLLIN}, {.fd = lfd, .events = POLLIN}};
    for (;;) {
        int n = poll(p, lfd >= 0 ? 2 : 1, -1);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            die("poll");
        }
        if (p[0].revents) {
            char buf[256];
            ssize_t r = read(0, buf, sizeof buf);
            if (r <= 0) {
                return 0; /* EOF: the benchmark is done; exiting closes everything */
            }
        }
        if (lfd >= 0 && p[1].revents) {
            while (held < count) {
                int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
                if (fd < 0) {
                    if (errno == EINTR || errno == ECONNABORTED) {
                        continue;
                    }
                    if (errno == EAGAIN) {
                        break;
                    }
                    die("accept4");
                }
                if (held++ == 0) {
                    first = now_ms();
                }
            }
            if (held == count) {
                close(lfd);
                lfd = -1;
                printf("held n=%d millis=%lld\n", held, now_ms() - first);
                fflush(stdout);
            }
        }
    }
}
