// tapring: what one frame costs on a TAP descriptor with one system call per frame (read/write,
// as tapwire's TapDevice does) against io_uring with QD operations in flight and one
// io_uring_enter per batch (liburing over the raw system calls). Issue 10's "measure readv/writev
// batching against io_uring on the TAP fd". scripts/bench-tap-uring.sh runs it in a namespace.
//
//   tapring rx-read|rx-uring|tx-write|tx-uring TAP SECONDS [QD]
//   tapring flood HOST SECONDS       (the Linux-side load for rx-*: UDP with sendmmsg, 64 at a time)
//
// rx-*: counts frames Linux sends into the TAP (the script floods UDP at the stack's address).
// tx-*: writes one prebuilt 1514-byte UDP frame to Linux (10.0.0.2 -> 10.0.0.1:9) as fast as it can.
// Prints frames, frames per second and CPU (user + system) per frame of this process.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <liburing.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define FRAME 1514
#define BUF 2048

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu(void) {
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return r.ru_utime.tv_sec + r.ru_utime.tv_usec / 1e6 + r.ru_stime.tv_sec + r.ru_stime.tv_usec / 1e6;
}

static int open_tap(const char *name) {
    int fd = open("/dev/net/tun", O_RDWR);
    if (fd < 0) { perror("open /dev/net/tun"); exit(1); }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) { perror("TUNSETIFF"); exit(1); }
    return fd;
}

static uint16_t csum(const uint8_t *p, int n) {
    uint32_t s = 0;
    for (int i = 0; i + 1 < n; i += 2) s += (p[i] << 8) | p[i + 1];
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return (uint16_t) ~s;
}

// Ethernet + IPv4 + UDP, 10.0.0.2 -> 10.0.0.1:9, to the MAC the script gave the Linux side.
static void build_frame(uint8_t *f) {
    static const uint8_t dst[6] = {0x02, 0, 0, 0, 0, 0x01}, src[6] = {0x02, 0, 0, 0, 0, 0x02};
    memset(f, 0, FRAME);
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    f[12] = 0x08; f[13] = 0x00;
    uint8_t *ip = f + 14;
    int iplen = FRAME - 14;
    ip[0] = 0x45; ip[2] = iplen >> 8; ip[3] = iplen & 0xff; ip[8] = 64; ip[9] = 17;
    ip[12] = 10; ip[15] = 2; ip[16] = 10; ip[19] = 1;
    uint16_t c = csum(ip, 20);
    ip[10] = c >> 8; ip[11] = c & 0xff;
    uint8_t *udp = ip + 20;
    int ulen = iplen - 20;
    udp[0] = 0x30; udp[1] = 0x39; udp[2] = 0; udp[3] = 9; udp[4] = ulen >> 8; udp[5] = ulen & 0xff; // checksum 0: none
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: tapring rx-read|rx-uring|tx-write|tx-uring TAP SECONDS [QD]\n");
        return 2;
    }
    const char *mode = argv[1];
    if (strcmp(mode, "flood") == 0) {
        int s = socket(AF_INET, SOCK_DGRAM, 0);
        struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(9)};
        inet_pton(AF_INET, argv[2], &to.sin_addr);
        if (connect(s, (struct sockaddr *) &to, sizeof to) < 0) { perror("connect"); return 1; }
        static char payload[1472];
        struct mmsghdr m[64];
        struct iovec v[64];
        memset(m, 0, sizeof m);
        for (int i = 0; i < 64; i++) {
            v[i].iov_base = payload; v[i].iov_len = sizeof payload;
            m[i].msg_hdr.msg_iov = &v[i]; m[i].msg_hdr.msg_iovlen = 1;
        }
        double end = now() + atof(argv[3]);
        while (now() < end) {
            if (sendmmsg(s, m, 64, 0) < 0 && errno != ENOBUFS && errno != EAGAIN) { perror("sendmmsg"); return 1; }
        }
        return 0;
    }
    int fd = open_tap(argv[2]);
    double seconds = atof(argv[3]);
    int qd = argc > 4 ? atoi(argv[4]) : 32;
    static uint8_t bufs[256][BUF];
    if (qd < 1 || qd > 256) { fprintf(stderr, "QD 1..256\n"); return 2; }
    uint8_t frame[FRAME];
    build_frame(frame);
    long frames = 0;
    if (mode[0] == 'r' && read(fd, bufs[0], BUF) < 0) { perror("read"); return 1; } // the clock starts with the load
    double t0 = now(), c0 = cpu(), end = t0 + seconds;
    if (strcmp(mode, "rx-read") == 0 || strcmp(mode, "tx-write") == 0) {
        int rx = mode[1] == 'x' && mode[0] == 'r';
        while (1) {
            for (int i = 0; i < 256; i++) { // check the clock every 256 frames
                ssize_t n = rx ? read(fd, bufs[0], BUF) : write(fd, frame, FRAME);
                if (n < 0) { if (errno == EINTR) continue; perror(rx ? "read" : "write"); return 1; }
                frames++;
            }
            if (now() >= end) break;
        }
    } else if (strcmp(mode, "rx-uring") == 0 || strcmp(mode, "tx-uring") == 0) {
        int rx = mode[0] == 'r';
        struct io_uring ring;
        int e = io_uring_queue_init(qd * 2, &ring, 0);
        if (e < 0) { fprintf(stderr, "io_uring_queue_init: %s\n", strerror(-e)); return 1; }
        for (int i = 0; i < qd; i++) {
            struct io_uring_sqe *s = io_uring_get_sqe(&ring);
            if (rx) io_uring_prep_read(s, fd, bufs[i], BUF, 0);
            else io_uring_prep_write(s, fd, frame, FRAME, 0);
            io_uring_sqe_set_data64(s, i);
        }
        long checks = 0;
        while (1) {
            io_uring_submit_and_wait(&ring, 1);
            struct io_uring_cqe *c;
            unsigned head, seen = 0;
            io_uring_for_each_cqe(&ring, head, c) {
                if (c->res < 0 && c->res != -EAGAIN && c->res != -EINTR) {
                    fprintf(stderr, "%s: %s\n", rx ? "read" : "write", strerror(-c->res));
                    return 1;
                }
                if (c->res > 0) frames++;
                int i = (int) io_uring_cqe_get_data64(c);
                struct io_uring_sqe *s = io_uring_get_sqe(&ring);
                if (rx) io_uring_prep_read(s, fd, bufs[i], BUF, 0);
                else io_uring_prep_write(s, fd, frame, FRAME, 0);
                io_uring_sqe_set_data64(s, i);
                seen++;
            }
            io_uring_cq_advance(&ring, seen);
            if ((++checks & 63) == 0 && now() >= end) break;
        }
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    double dt = now() - t0, dc = cpu() - c0;
    printf("%s qd=%d frames=%ld seconds=%.3f frames_per_s=%.0f cpu_us_per_frame=%.3f\n", mode,
           strncmp(mode + 3, "uring", 5) == 0 ? qd : 1, frames, dt, frames / dt, frames ? dc * 1e6 / frames : 0.0);
    return 0;
}
