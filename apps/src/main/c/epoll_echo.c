/*
 * epoll_echo: the Linux baseline of `tapwire bench echo-qps`, a one-thread TCP echo server on the
 * kernel's sockets with epoll, as in the seed notes' echo QPS experiment.
 *
 *   epoll_echo BIND_ADDRESS PORT
 *
 * Non-blocking sockets, level-triggered epoll, one thread. The listener (SO_REUSEADDR, backlog
 * 4096) is drained with accept4 until EAGAIN; a readable connection is read until EAGAIN or a read
 * shorter than the buffer (level-triggered epoll reports it again if more arrives, so the read that
 * would only say EAGAIN is saved), and every chunk is written straight back. A reply the socket
 * cannot take at once is kept and the connection waits for EPOLLOUT instead of EPOLLIN until it has
 * gone out, so no byte is lost or reordered.
 *
 * Prints "ready" once listening. Serves until killed, or until its standard input reaches EOF when
 * that is a pipe or a socket (the benchmark closes it to stop the server).
 *
 * Build: gcc -O2 -o epoll_echo epoll_echo.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define BACKLOG 4096
#define BUFFER 16384
#define MAX_EVENTS 512
#define STDIN_TAG ((void *) 1)
#define LISTEN_TAG ((void *) 2)

struct conn {
    int fd;
    int pending_off; /* reply bytes not yet written: buf[pending_off, pending_off + pending_len) */
    int pending_len;
    char buf[BUFFER];
};

static int epfd;

static void die(const char *what) {
    fprintf(stderr, "epoll_echo: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void set_interest(struct conn *c, unsigned events) {
    struct epoll_event ev = {.events = events, .data.ptr = c};
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0) {
        die("epoll_ctl(MOD)");
    }
}

static void drop(struct conn *c) {
    close(c->fd); /* also removes it from the epoll set */
    free(c);
}

/* Writes what is pending; returns 1 when all of it went out, 0 when the socket is full, -1 on error. */
static int flush_pending(struct conn *c) {
    while (c->pending_len > 0) {
        ssize_t n = write(c->fd, c->buf + c->pending_off, c->pending_len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno == EAGAIN ? 0 : -1;
        }
        c->pending_off += n;
        c->pending_len -= n;
    }
    return 1;
}

static void on_readable(struct conn *c) {
    for (;;) {
        ssize_t n = read(c->fd, c->buf, BUFFER);
        if (n == 0) { /* the peer's FIN: everything it sent has been echoed */
            drop(c);
            return;
        }
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN) {
                return;
            }
            drop(c); /* reset */
            return;
        }
        c->pending_off = 0;
        c->pending_len = (int) n;
        int r = flush_pending(c);
        if (r < 0) {
            drop(c);
            return;
        }
        if (r == 0) { /* the socket is full: stop reading until the reply is out */
            set_interest(c, EPOLLOUT);
            return;
        }
        if (n < BUFFER) { /* drained (level-triggered: more data is reported again) */
            return;
        }
    }
}

static void on_writable(struct conn *c) {
    int r = flush_pending(c);
    if (r < 0) {
        drop(c);
    } else if (r > 0) {
        set_interest(c, EPOLLIN);
        on_readable(c);
    }
}

static void on_listener(int lfd) {
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) {
                continue;
            }
            if (errno == EAGAIN) {
                return;
            }
            if (errno == EMFILE || errno == ENFILE) {
                fprintf(stderr, "epoll_echo: accept: %s\n", strerror(errno));
                return;
            }
            die("accept4");
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct conn *c = malloc(sizeof *c);
        if (c == NULL) {
            close(fd);
            continue;
        }
        c->fd = fd;
        c->pending_off = c->pending_len = 0;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            die("epoll_ctl(ADD)");
        }
    }
}

/* Whether standard input is something whose EOF means "stop" (a pipe or a socket, not /dev/null or a tty). */
static int stdin_is_stream(void) {
    struct stat st;
    return fstat(0, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s BIND_ADDRESS PORT\n", argv[0]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short) atoi(argv[2]))};
    if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) {
        fprintf(stderr, "epoll_echo: not an IPv4 address: %s\n", argv[1]);
        return 2;
    }
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (lfd < 0) {
        die("socket");
    }
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(lfd, (struct sockaddr *) &addr, sizeof addr) < 0) {
        die("bind");
    }
    if (listen(lfd, BACKLOG) < 0) {
        die("listen");
    }
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) {
        die("epoll_create1");
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = LISTEN_TAG};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev) < 0) {
        die("epoll_ctl(listener)");
    }
    if (stdin_is_stream()) {
        struct epoll_event in = {.events = EPOLLIN, .data.ptr = STDIN_TAG};
        epoll_ctl(epfd, EPOLL_CTL_ADD, 0, &in);
    }
    printf("ready epoll_echo %s:%s\n", argv[1], argv[2]);
    fflush(stdout);

    struct epoll_event events[MAX_EVENTS];
    for (;;) {
        int n = epoll_wait(epfd, events, MAX_EVENTS, -1);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) {
            void *tag = events[i].data.ptr;
            if (tag == LISTEN_TAG) {
                on_listener(lfd);
            } else if (tag == STDIN_TAG) {
                char b[256];
                ssize_t r = read(0, b, sizeof b);
                if (r <= 0 && !(r < 0 && errno == EINTR)) {
                    return 0; /* EOF: the benchmark is done with us */
                }
            } else {
                struct conn *c = tag;
                /* EPOLLERR/EPOLLHUP come with the interest set; the read or write then reports them. */
                if (c->pending_len > 0) {
                    on_writable(c);
                } else {
                    on_readable(c);
                }
            }
        }
    }
}
