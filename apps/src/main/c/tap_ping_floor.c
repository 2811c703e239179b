/*
 * The floor of ping over a TAP on this machine: a busy-polled TAP that answers only ARP requests
 * and ICMP echo requests for 10.0.0.2, with nothing else in the way (no stack, no JVM). One
 * read(2) per turn on a non-blocking descriptor, one write(2) per answer, as tapwire's stack
 * thread does with --busy-poll. Used by scripts/bench-ping-floor.sh.
 *
 *   tap_ping_floor [TAP name, default tap0]
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static const uint8_t our_mac[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t our_ip[4] = {10, 0, 0, 2};

/* RFC 1071 Internet checksum of n bytes. */
static uint16_t inet_sum(const uint8_t *p, int n) {
    uint32_t s = 0;
    for (int i = 0; i + 1 < n; i += 2) s += (uint32_t) (p[i] << 8 | p[i + 1]);
    if (n & 1) s += (uint32_t) p[n - 1] << 8;
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return (uint16_t) ~s;
}

int main(int argc, char **argv) {
    const char *name = argc > 1 ? argv[1] : "tap0";
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK);
    if (fd < 0) { perror("open /dev/net/tun"); return 1; }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) { perror("TUNSETIFF"); return 1; }
    fprintf(stderr, "tap_ping_floor: answering on %s\n", name);
    uint8_t f[2048];
    for (;;) {
        ssize_t n = read(fd, f, sizeof f);
        if (n < 42) continue; /* EAGAIN (busy poll) or too short for ARP */
        if (f[12] == 0x08 && f[13] == 0x06 && f[21] == 1 && memcmp(f + 38, our_ip, 4) == 0) {
            /* ARP request for us (RFC 826): answer in place. */
            memcpy(f, f + 6, 6);
            memcpy(f + 6, our_mac, 6);
            f[21] = 2;
            memcpy(f + 32, f + 22, 10);  /* their MAC and IP become the target */
            memcpy(f + 22, our_mac, 6);
            memcpy(f + 28, our_ip, 4);
            if (write(fd, f, 42) < 0) perror("write");
        } else if (f[12] == 0x08 && f[13] == 0x00 && f[23] == 1 && memcmp(f + 30, our_ip, 4) == 0) {
            int ihl = (f[14] & 15) * 4, total = f[16] << 8 | f[17];
            if (14 + total > n || f[14 + ihl] != 8) continue; /* not a whole echo request */
            uint8_t t[4];
            memcpy(f, f + 6, 6);
            memcpy(f + 6, our_mac, 6);
            memcpy(t, f + 26, 4); memcpy(f + 26, f + 30, 4); memcpy(f + 30, t, 4);
            uint8_t *icmp = f + 14 + ihl;  /* echo reply (RFC 792): type 0, checksum again */
            icmp[0] = 0; icmp[2] = icmp[3] = 0;
            uint16_t c = inet_sum(icmp, total - ihl);
            icmp[2] = (uint8_t) (c >> 8); icmp[3] = (uint8_t) c;
            if (write(fd, f, (size_t) (14 + total)) < 0) perror("write");
        }
    }
}
