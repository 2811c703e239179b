/*
 * hold_connections: opens and holds many idle TCP connections from one source address, the Linux
 * client of `tapwire bench idle`. One process holds at most what its open-file limit allows
 * (20,000 here), so the benchmark starts as many as it needs.
 *
 *   hold_connections --src A --dst D --port P --count N --first-port F [--inflight K]
 *                    [--connect-timeout S]
 *
 * Connection i binds A:(F + i) explicitly (the benchmark gives each process its own block of
 * ports, so the kernel never searches for a free port) and connects to D:P without blocking, at
 * most K handshakes at once (default 16): a burst of SYNs would overflow the TAP's queue and the
 * server's SYN queue. A connected socket leaves the epoll set at once, so an idle connection costs
 * the kernel its socket and file, nothing else (an epoll item would be counted in the socket caches'
 * slab growth: eventpoll_epi shares a cache with tcp_bind_bucket).
 *
 * Commands, one per line on standard input; each answers with one line on standard output:
 *   connect      -> "established ok=N failed=F millis=T [error=...]" (F counts connects that failed
 *                   or did not finish within --connect-timeout seconds, default 600)
 *   echo S       -> "echoed ok=M of=S millis=T": writes a distinct line on S connections spread
 *                   evenly over all and checks that exactly it comes back (5 s per connection)
 *   close R      -> "closed n=N unconfirmed=U left=L millis=T": closes every connection, at most R
 *                   per second and K at once, each by a FIN and then close(2) once the server's FIN
 *                   has come back (see do_close); U of them got no answer in time
 * Prints "ready" first. Exits at EOF on standard input (what is still open is closed then).
 *
 * Build: gcc -O2 -o hold_connections hold_connections.c
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
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in src, dst;
static int count, first_port, inflight = 16;
static double connect_timeout = 600;
static int *fds;
static char *pending_at; /* 1 while connection i's handshake runs */
static int held;

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void usage(void) {
    fprintf(stderr, "usage: hold_connections --src A --dst D --port P --count N --first-port F [--inflight K] [--connect-timeout S]\n");
    exit(2);
}

static void address(struct sockaddr_in *a, const char *s) {
    a->sin_family = AF_INET;
    if (inet_pton(AF_INET, s, &a->sin_addr) != 1) {
        fprintf(stderr, "hold_connections: not an IPv4 address: %s\n", s);
        exit(2);
    }
}

/* Starts connection i; returns its fd, or -1 with errno set. */
static int start(int i) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    struct sockaddr_in a = src;
    a.sin_port = htons((unsigned short) (first_port + i));
    if (bind(fd, (struct sockaddr *) &a, sizeof a) < 0 ||
        (connect(fd, (struct sockaddr *) &dst, sizeof dst) < 0 && errno != EINPROGRESS)) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static void do_connect(void) {
    long long t0 = now_ms();
    long long deadline = t0 + (long long) (connect_timeout * 1000);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event evs[256];
    int next = 0, pending = 0, failed = 0;
    char error[160] = "";
    if (ep < 0) {
        printf("established ok=0 failed=%d millis=0 error=epoll_create1:%s\n", count, strerror(errno));
        fflush(stdout);
        return;
    }
    while (next < count || pending > 0) {
        while (next < count && pending < inflight) {
            int i = next++;
            int fd = start(i);
            if (fd < 0) {
                failed++;
                if (!error[0]) {
                    snprintf(error, sizeof error, "connect:%s", strerror(errno));
                }
                continue;
            }
            fds[i] = fd;
            pending_at[i] = 1;
            struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = (unsigned) i};
            epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
            pending++;
        }
        if (now_ms() > deadline) {
            failed += pending + (count - next);
            snprintf(error, sizeof error, "timeout:%d_handshakes_unfinished_after_%.0f_s", pending, connect_timeout);
            for (int i = 0; i < next; i++) {
                if (pending_at[i]) {
                    close(fds[i]);
                    fds[i] = -1;
                    pending_at[i] = 0;
                }
            }
            break;
        }
        int n = epoll_wait(ep, evs, 256, 100);
        for (int k = 0; k < n; k++) {
            int i = (int) evs[k].data.u32;
            int err = 0;
            socklen_t len = sizeof err;
            epoll_ctl(ep, EPOLL_CTL_DEL, fds[i], NULL);
            pending_at[i] = 0;
            pending--;
            if (getsockopt(fds[i], SOL_SOCKET, SO_ERROR, &err, &len) < 0) {
                err = errno;
            }
            if (err != 0) {
                failed++;
                if (!error[0]) {
                    snprintf(error, sizeof error, "connect:%s", strerror(err));
                }
                close(fds[i]);
                fds[i] = -1;
            } else {
                held++;
            }
        }
    }
    close(ep);
    for (char *c = error; *c; c++) {
        if (*c == ' ') {
            *c = '_';
        }
    }
    printf("established ok=%d failed=%d millis=%lld%s%s\n", held, failed, now_ms() - t0, error[0] ? " error=" : "", error);
    fflush(stdout);
}

/* Writes a distinct line on connection i and waits up to 5 s for exactly it to come back. */
static int echo_one(int i) {
    char msg[96], got[96];
    int len = snprintf(msg, sizeof msg, "%s:%d connection %d of %d\n", inet_ntoa(src.sin_addr), first_port + i, i, count);
    int fd = fds[i];
    if (write(fd, msg, len) != len) {
        return 0;
    }
    int have = 0;
    long long deadline = now_ms() + 5000;
    while (have < len) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        long long left = deadline - now_ms();
        if (left <= 0 || poll(&p, 1, (int) left) <= 0) {
            return 0;
        }
        ssize_t n = read(fd, got + have, len - have);
        if (n <= 0) {
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
                continue;
            }
            return 0;
        }
        have += (int) n;
    }
    return memcmp(msg, got, len) == 0;
}

static void do_echo(int samples) {
    long long t0 = now_ms();
    int ok = 0, tried = 0;
    if (samples > 0 && count > 0) {
        int step = count / samples > 0 ? count / samples : 1;
        for (int i = 0; i < count && tried < samples; i += step) {
            tried++;
            if (fds[i] >= 0) {
                ok += echo_one(i);
            }
        }
    }
    printf("echoed ok=%d of=%d millis=%lld\n", ok, tried, now_ms() - t0);
    fflush(stdout);
}

/*
 * Closes every connection, at most rate per second and at most --inflight at once: shutdown(SHUT_WR)
 * sends the FIN, and the socket is closed when the server's FIN comes back (read returns 0), so
 * it goes to TIME_WAIT and never becomes an orphan. Orphans (closed sockets whose FIN is not yet
 * answered) are limited machine-wide (tcp_max_orphans); past the limit Linux resets instead. A
 * connection whose FIN is not answered within --connect-timeout seconds is closed anyway and
 * counted as unconfirmed.
 */
static void do_close(double rate) {
    long long t0 = now_ms();
    long long deadline = t0 + (long long) (connect_timeout * 1000);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event evs[256];
    int closing = 0, closed = 0, unconfirmed = 0, started = 0, next = 0;
    char buf[512];
    while (next < count || closing > 0) {
        /* Due by now at this rate: pacing by the clock, so a late wake-up does not slow the rate. */
        double due = rate * (double) (now_ms() - t0) / 1000.0 + 1;
        while (next < count && closing < inflight && started < due) {
            int i = next++;
            if (fds[i] < 0) {
                continue;
            }
            started++;
            struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u32 = (unsigned) i};
            if (ep < 0 || shutdown(fds[i], SHUT_WR) < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) < 0) {
                close(fds[i]);
                fds[i] = -1;
                held--;
                unconfirmed++;
                continue;
            }
            closing++;
        }
        if (now_ms() > deadline) {
            for (int i = 0; i < count; i++) {
                if (fds[i] >= 0) {
                    close(fds[i]);
                    fds[i] = -1;
                    held--;
                    unconfirmed++;
                }
            }
            break;
        }
        int n = ep < 0 ? 0 : epoll_wait(ep, evs, 256, 5);
        for (int k = 0; k < n; k++) {
            int i = (int) evs[k].data.u32;
            ssize_t r;
            while ((r = read(fds[i], buf, sizeof buf)) > 0) {
                /* nothing is expected after the echo sample; read on to the FIN */
            }
            if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
                continue;
            }
            /* r == 0: the server's FIN; r < 0: a reset. Either way the server is done with it. */
            close(fds[i]);
            fds[i] = -1;
            held--;
            closing--;
            closed++;
        }
    }
    if (ep >= 0) {
        close(ep);
    }
    printf("closed n=%d unconfirmed=%d left=%d millis=%lld\n", closed + unconfirmed, unconfirmed, held, now_ms() - t0);
    fflush(stdout);
}

int main(int argc, char **argv) {
    int port = -1;
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc) {
            usage();
        }
        const char *k = argv[i], *v = argv[++i];
        if (!strcmp(k, "--src")) {
            address(&src, v);
        } else if (!strcmp(k, "--dst")) {
            address(&dst, v);
        } else if (!strcmp(k, "--port")) {
            port = atoi(v);
        } else if (!strcmp(k, "--count")) {
            count = atoi(v);
        } else if (!strcmp(k, "--first-port")) {
            first_port = atoi(v);
        } else if (!strcmp(k, "--inflight")) {
            inflight = atoi(v);
        } else if (!strcmp(k, "--connect-timeout")) {
            connect_timeout = atof(v);
        } else {
            usage();
        }
    }
    if (src.sin_family == 0 || dst.sin_family == 0 || port <= 0 || port > 65535 || count < 1 || first_port < 1 ||
        first_port + count - 1 > 65535 || inflight < 1) {
        usage();
    }
    dst.sin_port = htons((unsigned short) port);
    signal(SIGPIPE, SIG_IGN);
    fds = malloc(sizeof(int) * (size_t) count);
    pending_at = calloc((size_t) count, 1);
    if (fds == NULL || pending_at == NULL) {
        fprintf(stderr, "hold_connections: out of memory\n");
        return 1;
    }
    for (int i = 0; i < count; i++) {
        fds[i] = -1;
    }
    printf("ready count=%d src=%s ports=%d-%d\n", count, inet_ntoa(src.sin_addr), first_port, first_port + count - 1);
    fflush(stdout);
    char line[128];
    while (fgets(line, sizeof line, stdin) != NULL) {
        if (!strncmp(line, "connect", 7)) {
            do_connect();
        } else if (!strncmp(line, "echo", 4)) {
            do_echo(atoi(line + 4));
        } else if (!strncmp(line, "close", 5)) {
            double rate = atof(line + 5);
            do_close(rate > 0 ? rate : 1000);
        } else {
            printf("error unknown command: %s", line);
            fflush(stdout);
        }
    }
    return 0;
}
