/*
 * uring_echo: the Linux baseline of `tapwire bench echo-qps`, a one-thread TCP echo server on the
 * kernel's sockets with io_uring (liburing), as in the seed notes' echo QPS experiment.
 *
 *   uring_echo BIND_ADDRESS PORT
 *
 * One ring, one thread. The listener (SO_REUSEADDR, backlog 4096) has a multishot accept in
 * flight (re-armed when the kernel ends it; a single-shot accept is used instead on kernels
 * without multishot accept). Each connection has one operation in flight at a time on its own
 * plain buffer: RECV, then SEND of what came in (again for the rest after a short send), then
 * RECV again; a zero-byte RECV (the peer's FIN) or an error closes it. The loop submits and
 * waits in one io_uring_enter and then reaps every completion that is there.
 *
 * The ring is set up with IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN where the
 * kernel has them (6.1+), else IORING_SETUP_COOP_TASKRUN, else no flags; the "ready" line says
 * which.
 *
 * Prints "ready" once listening. Serves until killed, or until its standard input reaches EOF when
 * that is a pipe or a socket (the benchmark closes it to stop the server).
 *
 * Build: gcc -O2 -o uring_echo uring_echo.c -luring   (Debian: apt-get install liburing-dev)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define BACKLOG 4096
#define BUFFER 16384
#define RING_ENTRIES 4096

/* user_data: a connection's address with the operation in the low bits (connections are 16-aligned). */
enum op { OP_ACCEPT = 1, OP_RECV = 2, OP_SEND = 3, OP_STDIN = 4 };
#define OP_MASK 7ULL

struct conn {
    int fd;
    int off; /* SEND in flight for buf[off, len) */
    int len;
    char buf[BUFFER];
} __attribute__((aligned(16)));

static struct io_uring ring;
static int listen_fd;
static int multishot = 1;
static char stdin_buf[256];

static void die(const char *what, int err) {
    fprintf(stderr, "uring_echo: %s: %s\n", what, strerror(err));
    exit(1);
}

static struct io_uring_sqe *sqe_get(void) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
    if (sqe == NULL) { /* the submission queue is full: hand it to the kernel and retry */
        io_uring_submit(&ring);
        sqe = io_uring_get_sqe(&ring);
        if (sqe == NULL) {
            die("io_uring_get_sqe", EBUSY);
        }
    }
    return sqe;
}

static void arm_accept(void) {
    struct io_uring_sqe *sqe = sqe_get();
    if (multishot) {
        io_uring_prep_multishot_accept(sqe, listen_fd, NULL, NULL, SOCK_CLOEXEC);
    } else {
        io_uring_prep_accept(sqe, listen_fd, NULL, NULL, SOCK_CLOEXEC);
    }
    io_uring_sqe_set_data64(sqe, OP_ACCEPT);
}

static void arm_recv(struct conn *c) {
    struct io_uring_sqe *sqe = sqe_get();
    io_uring_prep_recv(sqe, c->fd, c->buf, BUFFER, 0);
    io_uring_sqe_set_data64(sqe, (uint64_t) (uintptr_t) c | OP_RECV);
}

static void arm_send(struct conn *c) {
    struct io_uring_sqe *sqe = sqe_get();
    io_uring_prep_send(sqe, c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, (uint64_t) (uintptr_t) c | OP_SEND);
}

static void arm_stdin(void) {
    struct io_uring_sqe *sqe = sqe_get();
    io_uring_prep_read(sqe, 0, stdin_buf, sizeof stdin_buf, 0);
    io_uring_sqe_set_data64(sqe, OP_STDIN);
}

static void drop(struct conn *c) {
    close(c->fd);
    free(c);
}

static void on_accept(struct io_uring_cqe *cqe) {
    int more = (cqe->flags & IORING_CQE_F_MORE) != 0;
    if (cqe->res >= 0) {
        int fd = cqe->res;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct conn *c = aligned_alloc(16, sizeof *c);
        if (c == NULL) {
            close(fd);
        } else {
            c->fd = fd;
            c->off = c->len = 0;
            arm_recv(c);
        }
    } else if (cqe->res == -EINVAL && multishot) {
        multishot = 0; /* kernel before 5.19: single-shot accepts from now on */
        fprintf(stderr, "uring_echo: multishot accept refused, using single-shot accepts\n");
    } else if (cqe->res != -EINTR && cqe->res != -ECONNABORTED) {
        fprintf(stderr, "uring_echo: accept: %s\n", strerror(-cqe->res));
    }
    if (!more) {
        arm_accept();
    }
}

static void on_recv(struct conn *c, int res) {
    if (res <= 0) { /* 0: the peer's FIN, everything it sent has been echoed; < 0: reset */
        drop(c);
        return;
    }
    c->off = 0;
    c->len = res;
    arm_send(c);
}

static void on_send(struct conn *c, int res) {
    if (res < 0) {
        drop(c);
        return;
    }
    c->off += res;
    if (c->off < c->len) {
        arm_send(c);
    } else {
        arm_recv(c);
    }
}

/* Whether standard input is something whose EOF means "stop" (a pipe or a socket, not /dev/null or a tty). */
static int stdin_is_stream(void) {
    struct stat st;
    return fstat(0, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

static const char *setup_ring(void) {
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
    if (io_uring_queue_init_params(RING_ENTRIES, &ring, &p) == 0) {
        return "SINGLE_ISSUER|DEFER_TASKRUN";
    }
    memset(&p, 0, sizeof p);
    p.flags = IORING_SETUP_COOP_TASKRUN;
    if (io_uring_queue_init_params(RING_ENTRIES, &ring, &p) == 0) {
        return "COOP_TASKRUN";
    }
    int r = io_uring_queue_init(RING_ENTRIES, &ring, 0);
    if (r < 0) {
        die("io_uring_queue_init (is io_uring disabled? see /proc/sys/kernel/io_uring_disabled)", -r);
    }
    return "no setup flags";
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s BIND_ADDRESS PORT\n", argv[0]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short) atoi(argv[2]))};
    if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) {
        fprintf(stderr, "uring_echo: not an IPv4 address: %s\n", argv[1]);
        return 2;
    }
    listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd < 0) {
        die("socket", errno);
    }
    int one = 1;
    setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(listen_fd, (struct sockaddr *) &addr, sizeof addr) < 0) {
        die("bind", errno);
    }
    if (listen(listen_fd, BACKLOG) < 0) {
        die("listen", errno);
    }
    const char *flags = setup_ring();
    io_uring_register_ring_fd(&ring); /* saves a file lookup per io_uring_enter; fine if unsupported */
    arm_accept();
    if (stdin_is_stream()) {
        arm_stdin();
    }
    printf("ready uring_echo %s:%s (%s)\n", argv[1], argv[2], flags);
    fflush(stdout);

    for (;;) {
        int r = io_uring_submit_and_wait(&ring, 1);
        if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY) {
            die("io_uring_submit_and_wait", -r);
        }
        struct io_uring_cqe *cqe;
        unsigned head;
        unsigned seen = 0;
        io_uring_for_each_cqe(&ring, head, cqe) {
            seen++;
            uint64_t data = io_uring_cqe_get_data64(cqe);
            struct conn *c = (struct conn *) (uintptr_t) (data & ~OP_MASK);
            switch ((enum op) (data & OP_MASK)) {
                case OP_ACCEPT:
                    on_accept(cqe);
                    break;
                case OP_RECV:
                    on_recv(c, cqe->res);
                    break;
                case OP_SEND:
                    on_send(c, cqe->res);
                    break;
                case OP_STDIN:
                    if (cqe->res <= 0 && cqe->res != -EINTR && cqe->res != -EAGAIN) {
                        return 0; /* EOF: the benchmark is done with us */
                    }
                    arm_stdin();
                    break;
            }
        }
        io_uring_cq_advance(&ring, seen);
    }
}
