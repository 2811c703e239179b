/*
 * http_probe: the legitimate client of the flood tests. Fetches GET /bytes/N?i from an HTTP
 * server, one request after another, each on a new connection (Connection: close), for a window of
 * --seconds; a request started inside the window is always finished, so nothing is cut off when
 * the window closes.
 *
 *   http_probe --host ADDR --port P [--host-header H] [--bytes N] [--seconds S] [--timeout T]
 *
 * ADDR is a numeric IPv4 or IPv6 address. Each request has T seconds (default 5) from the start of
 * its connect to the server's FIN after the whole response; past that it counts as failed. A
 * request is served when the status is 200, the Content-Length is N and the body is exactly N
 * bytes with byte k equal to k mod 256 (what the tapwire HTTP service sends for /bytes/N).
 *
 * Prints one line per request, "i seconds result" (result "ok" or the reason it failed: "timeout
 * in connect", "connect: Connection refused", "status 503", "short body 100/1024", ...), then
 * "started A served B failed C slowest D". Every started request is in exactly one of served and
 * failed. Exit status 0 when it ran, 2 on bad arguments.
 *
 * Build: gcc -O2 -Wall -o http_probe http_probe.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RESPONSE_MAX (1 << 20)

static struct sockaddr_storage server;
static socklen_t server_len;
static const char *host_header;
static long body_bytes = 1024;
static double window_seconds = 10, request_timeout = 5;
static char response[RESPONSE_MAX];

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(void) {
    fprintf(stderr, "usage: http_probe --host ADDR --port P [--host-header H] [--bytes N] [--seconds S] [--timeout T]\n");
    exit(2);
}

/* Waits for events on fd until the request's deadline; returns 0 when they came, -1 on timeout. */
static int wait_for(int fd, short events, double deadline) {
    for (;;) {
        double left = deadline - now_s();
        if (left <= 0) {
            return -1;
        }
        struct pollfd p = {.fd = fd, .events = events};
        int rc = poll(&p, 1, (int) (left * 1000) + 1);
        if (rc > 0) {
            return 0;
        }
        if (rc < 0 && errno != EINTR) {
            return -1;
        }
    }
}

/* One request; writes the outcome ("ok" or the reason) into why. Returns 1 when served. */
static int request(long i, char *why, size_t why_len) {
    double deadline = now_s() + request_timeout;
    int fd = socket(server.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(why, why_len, "socket: %s", strerror(errno));
        return 0;
    }
    int served = 0;
    if (connect(fd, (struct sockaddr *) &server, server_len) < 0 && errno != EINPROGRESS) {
        snprintf(why, why_len, "connect: %s", strerror(errno));
        goto out;
    }
    if (wait_for(fd, POLLOUT, deadline) < 0) {
        snprintf(why, why_len, "timeout in connect");
        goto out;
    }
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
        snprintf(why, why_len, "connect: %s", strerror(err));
        goto out;
    }
    char req[512];
    int n = snprintf(req, sizeof req, "GET /bytes/%ld?%ld HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", body_bytes, i,
                     host_header);
    for (int sent = 0; sent < n;) {
        ssize_t w = send(fd, req + sent, n - sent, MSG_NOSIGNAL);
        if (w > 0) {
            sent += w;
        } else if (w < 0 && errno == EAGAIN) {
            if (wait_for(fd, POLLOUT, deadline) < 0) {
                snprintf(why, why_len, "timeout in send");
                goto out;
            }
        } else if (w < 0 && errno != EINTR) {
            snprintf(why, why_len, "send: %s", strerror(errno));
            goto out;
        }
    }
    size_t got = 0;
    for (;;) {
        if (got == sizeof response) {
            snprintf(why, why_len, "response longer than %d bytes", RESPONSE_MAX);
            goto out;
        }
        ssize_t r = recv(fd, response + got, sizeof response - got, 0);
        if (r > 0) {
            got += r;
        } else if (r == 0) {
            break; /* the server's FIN: the whole response is in */
        } else if (errno == EAGAIN) {
            if (wait_for(fd, POLLIN, deadline) < 0) {
                snprintf(why, why_len, "timeout in receive after %zu bytes", got);
                goto out;
            }
        } else if (errno != EINTR) {
            snprintf(why, why_len, "receive: %s after %zu bytes", strerror(errno), got);
            goto out;
        }
    }
    char *end = memmem(response, got, "\r\n\r\n", 4);
    if (end == NULL) {
        snprintf(why, why_len, "no complete head in %zu bytes", got);
        goto out;
    }
    int status = 0;
    if (sscanf(response, "HTTP/1.1 %d", &status) != 1 || status != 200) {
        snprintf(why, why_len, "status %d", status);
        goto out;
    }
    *end = '\0';
    char *cl = strcasestr(response, "\r\ncontent-length:");
    long declared = cl == NULL ? -1 : strtol(cl + 17, NULL, 10);
    const unsigned char *body = (const unsigned char *) end + 4;
    long body_len = (long) (got - (size_t) ((const char *) body - response));
    if (declared != body_bytes || body_len != body_bytes) {
        snprintf(why, why_len, "short body %ld/%ld (Content-Length %ld)", body_len, body_bytes, declared);
        goto out;
    }
    for (long k = 0; k < body_len; k++) {
        if (body[k] != (unsigned char) (k & 0xff)) {
            snprintf(why, why_len, "wrong byte at %ld", k);
            goto out;
        }
    }
    snprintf(why, why_len, "ok");
    served = 1;
out:
    close(fd);
    return served;
}

int main(int argc, char **argv) {
    const char *host = NULL;
    int port = 80;
    for (int a = 1; a < argc; a++) {
        if (a + 1 >= argc) {
            usage();
        }
        if (!strcmp(argv[a], "--host")) host = argv[++a];
        else if (!strcmp(argv[a], "--port")) port = atoi(argv[++a]);
        else if (!strcmp(argv[a], "--host-header")) host_header = argv[++a];
        else if (!strcmp(argv[a], "--bytes")) body_bytes = atol(argv[++a]);
        else if (!strcmp(argv[a], "--seconds")) window_seconds = atof(argv[++a]);
        else if (!strcmp(argv[a], "--timeout")) request_timeout = atof(argv[++a]);
        else usage();
    }
    if (host == NULL || port <= 0 || port > 65535 || body_bytes < 0 || body_bytes > RESPONSE_MAX / 2 || window_seconds <= 0
        || request_timeout <= 0) {
        usage();
    }
    if (host_header == NULL) {
        host_header = host;
    }
    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV, .ai_socktype = SOCK_STREAM}, *ai;
    char portstr[8];
    snprintf(portstr, sizeof portstr, "%d", port);
    if (getaddrinfo(host, portstr, &hints, &ai) != 0) {
        fprintf(stderr, "http_probe: %s is not a numeric address\n", host);
        return 2;
    }
    memcpy(&server, ai->ai_addr, ai->ai_addrlen);
    server_len = ai->ai_addrlen;
    freeaddrinfo(ai);
    setvbuf(stdout, NULL, _IOLBF, 0);

    long started = 0, served = 0;
    double slowest = 0, window_end = now_s() + window_seconds;
    char why[160];
    while (now_s() < window_end) {
        double t0 = now_s();
        started++;
        served += request(started, why, sizeof why);
        double took = now_s() - t0;
        if (took > slowest) {
            slowest = took;
        }
        printf("%ld %.3f %s\n", started, took, why);
    }
    printf("started %ld served %ld failed %ld slowest %.3f\n", started, served, started - served, slowest);
    return 0;
}
