/*
 * The floor of a TCP echo over a TAP on this machine: the least a userspace stack must do to echo
 * bytes to a Linux client through a TAP, with nothing else in the way (no JVM, no application
 * thread, no socket buffers to hand over). One thread reads the TAP (IFF_VNET_HDR with checksum
 * and TSO offloads, as tapwire opens it), answers ARP for 10.0.0.2, and for TCP to 10.0.0.2 (any
 * port) keeps a minimal connection per peer: it answers a SYN, appends in-order data to the
 * connection's ring and at once sends it back inside the peer's window, as TSO frames of up to
 * 64 KB (one writev each, the header and the ring's bytes; MSS from the TAP's MTU), acknowledging with the same
 * frame, and answers a FIN with its own. No retransmission, no timers, no reordering: a floor, not
 * a stack (the TAP loses no frame in a ping-pong echo; a lost one would stall the client, which
 * then fails on its timeout rather than giving a figure). Used by scripts/bench-echo-floor.sh.
 *
 *   tap_echo_floor [TAP name, default tap0] [spin|block, default block]
 *
 * spin: a non-blocking descriptor read in a loop (busy poll), answering once drained; block:
 * blocking read(2), answering after each frame.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define VNET 10              /* struct virtio_net_hdr, the TAP's default header size */
#define RING (256 * 1024)    /* bytes per connection: echoed data not yet acknowledged */
#define MAX_CONNS 1024
#define MAX_GSO_PAYLOAD 65495 /* an IPv4 datagram's 65,535 bytes less 40 of headers */

static const uint8_t our_mac[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t our_ip[4] = {10, 0, 0, 2};

struct conn {
    int used;
    uint8_t peer_mac[6];
    uint8_t peer_ip[4];
    uint16_t peer_port, our_port; /* host order */
    uint32_t rcv_nxt, snd_una, snd_nxt, snd_wnd;
    int snd_wscale, rcv_wscale, mss, fin_received, fin_sent;
    uint32_t queued; /* bytes in ring from snd_una */
    uint32_t adv_right; /* the right edge of the window last advertised (rcv_nxt + window) */
    uint8_t *ring;   /* byte with sequence s is at ring[(s - iss - 1) % RING] */
    uint32_t iss;
    uint16_t ip_id;
    int dirty, ack_due; /* input this turn: push after the TAP is drained */
};

static struct conn conns[MAX_CONNS];
static const char *tap_name;
static struct conn *dirty[MAX_CONNS];
static int ndirty;
static int fd;

static uint16_t get16(const uint8_t *p) { return (uint16_t) (p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p) { return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3]; }
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t) (v >> 8); p[1] = (uint8_t) v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t) (v >> 16)); put16(p + 2, (uint16_t) v); }

/* RFC 1071 one's complement sum of n bytes, added to s, not folded. */
static uint32_t sum(uint32_t s, const uint8_t *p, int n) {
    for (int i = 0; i + 1 < n; i += 2) s += (uint32_t) (p[i] << 8 | p[i + 1]);
    if (n & 1) s += (uint32_t) p[n - 1] << 8;
    return s;
}
static uint16_t fold(uint32_t s) {
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return (uint16_t) s;
}

/*
 * Sends one segment of len bytes starting at sequence seq (from the ring unless syn), with flags.
 * The TAP computes the TCP checksum (VIRTIO_NET_HDR_F_NEEDS_CSUM: the field holds the pseudo
 * header's sum, as Linux's tcp_v4_send_check leaves it) and cuts frames over one MSS into
 * segments (VIRTIO_NET_HDR_GSO_TCPV4).
 */
/* The TAP's MTU (SIOCGIFMTU), asked at every SYN: the MSS this floor offers and accepts. */
static int link_mtu(void) {
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", tap_name);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    int mtu = s >= 0 && ioctl(s, SIOCGIFMTU, &ifr) == 0 ? ifr.ifr_mtu : 1500;
    if (s >= 0) close(s);
    return mtu > 65535 ? 65535 : mtu;
}

static void send_segment(struct conn *c, uint32_t seq, uint32_t len, uint8_t flags) {
    uint8_t h[VNET + 14 + 20 + 28];
    memset(h, 0, sizeof h);
    int syn = flags & 0x02;
    int thl = syn ? 28 : 20;
    struct virtio_net_hdr *v = (struct virtio_net_hdr *) h;
    v->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    v->csum_start = 14 + 20;
    v->csum_offset = 16;
    if (len > (uint32_t) c->mss) {
        v->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
        v->gso_size = (uint16_t) c->mss;
        v->hdr_len = (uint16_t) (14 + 20 + thl);
    }
    uint8_t *e = h + VNET, *ip = e + 14, *t = ip + 20;
    memcpy(e, c->peer_mac, 6);
    memcpy(e + 6, our_mac, 6);
    e[12] = 0x08;
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t) (20 + thl + len));
    put16(ip + 4, c->ip_id);
    c->ip_id = (uint16_t) (c->ip_id + (len > (uint32_t) c->mss ? (len + c->mss - 1) / c->mss : 1));
    ip[6] = 0x40; /* DF */
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, our_ip, 4);
    memcpy(ip + 16, c->peer_ip, 4);
    put16(ip + 10, (uint16_t) ~fold(sum(0, ip, 20)));
    put16(t, c->our_port);
    put16(t + 2, c->peer_port);
    put32(t + 4, seq);
    put32(t + 8, c->rcv_nxt);
    t[12] = (uint8_t) (thl / 4 << 4);
    t[13] = flags;
    uint32_t wnd = (RING - c->queued) >> c->rcv_wscale;
    if (wnd > 65535) wnd = 65535;
    put16(t + 14, syn ? 65535 : (uint16_t) wnd);
    c->adv_right = c->rcv_nxt + (syn ? 65535 : wnd << c->rcv_wscale);
    if (syn) { /* MSS (the TAP's MTU less 40), NOP, window scale 7 (RFC 7323: only when the peer offered one) */
        t[20] = 2; t[21] = 4; put16(t + 22, (uint16_t) (link_mtu() - 40));
        t[24] = 1; t[25] = 3; t[26] = 3; t[27] = 7;
        if (c->snd_wscale < 0) t[24] = t[25] = t[26] = t[27] = 1;
    }
    uint8_t pseudo[12];
    memcpy(pseudo, our_ip, 4);
    memcpy(pseudo + 4, c->peer_ip, 4);
    pseudo[8] = 0; pseudo[9] = 6;
    put16(pseudo + 10, (uint16_t) (thl + len));
    put16(t + 16, fold(sum(0, pseudo, 12)));
    struct iovec iov[3];
    int n = 1;
    iov[0].iov_base = h;
    iov[0].iov_len = VNET + 14 + 20 + (size_t) thl;
    if (len > 0) {
        uint32_t off = (seq - c->iss - 1) % RING;
        uint32_t first = len < RING - off ? len : RING - off;
        iov[n].iov_base = c->ring + off; iov[n++].iov_len = first;
        if (first < len) { iov[n].iov_base = c->ring; iov[n++].iov_len = len - first; }
    }
    if (writev(fd, iov, n) < 0) perror("writev");
}

/* Sends what the ring holds beyond snd_nxt inside the peer's window; a FIN after it all once asked. */
static void push(struct conn *c, int must_ack) {
    for (;;) {
        uint32_t unsent = c->snd_una + c->queued - c->snd_nxt;
        uint32_t in_flight = c->snd_nxt - c->snd_una;
        uint32_t room = c->snd_wnd > in_flight ? c->snd_wnd - in_flight : 0;
        uint32_t len = unsent < room ? unsent : room;
        uint32_t cap = MAX_GSO_PAYLOAD / c->mss * c->mss;
        if (len > cap) len = cap;
        if (len == 0) break;
        send_segment(c, c->snd_nxt, len, 0x18); /* PSH|ACK */
        c->snd_nxt += len;
        must_ack = 0;
    }
    if (c->fin_received && !c->fin_sent && c->snd_nxt == c->snd_una + c->queued) {
        send_segment(c, c->snd_nxt, 0, 0x11); /* FIN|ACK */
        c->snd_nxt += 1;
        c->fin_sent = 1;
        must_ack = 0;
    }
    if (must_ack) send_segment(c, c->snd_nxt, 0, 0x10);
}

static struct conn *find(const uint8_t *peer_ip, uint16_t peer_port, uint16_t our_port) {
    for (int i = 0; i < MAX_CONNS; i++) {
        struct conn *c = &conns[i];
        if (c->used && c->peer_port == peer_port && c->our_port == our_port && memcmp(c->peer_ip, peer_ip, 4) == 0) return c;
    }
    return NULL;
}

static void release(struct conn *c) {
    free(c->ring);
    memset(c, 0, sizeof *c);
}

static void tcp_input(const uint8_t *e, const uint8_t *ip, const uint8_t *t, uint32_t len) {
    int thl = (t[12] >> 4) * 4;
    uint8_t flags = t[13];
    uint16_t peer_port = get16(t), our_port = get16(t + 2);
    uint32_t seq = get32(t + 4), ack = get32(t + 8);
    struct conn *c = find(ip + 12, peer_port, our_port);
    if (flags & 0x04) { /* RST */
        if (c) release(c);
        return;
    }
    if ((flags & 0x12) == 0x02) { /* SYN */
        if (c) release(c); /* a new incarnation */
        for (int i = 0; i < MAX_CONNS && !c; i++) if (!conns[i].used) c = &conns[i];
        if (!c) return;
        c->used = 1;
        c->ring = malloc(RING);
        if (!c->ring) { c->used = 0; return; }
        memcpy(c->peer_mac, e + 6, 6);
        memcpy(c->peer_ip, ip + 12, 4);
        c->peer_port = peer_port;
        c->our_port = our_port;
        c->rcv_nxt = seq + 1;
        c->iss = (uint32_t) random();
        c->snd_una = c->snd_nxt = c->iss;
        c->mss = 536;
        c->snd_wscale = -1;
        for (int i = 20; i < thl;) { /* RFC 9293 3.2 options: MSS and window scale */
            uint8_t kind = t[i];
            if (kind == 0) break;
            if (kind == 1) { i++; continue; }
            if (i + 1 >= thl || t[i + 1] < 2) break;
            if (kind == 2 && t[i + 1] == 4) c->mss = get16(t + i + 2);
            if (kind == 3 && t[i + 1] == 3) c->snd_wscale = t[i + 2] > 14 ? 14 : t[i + 2];
            i += t[i + 1];
        }
        int our_mss = link_mtu() - 40;
        if (c->mss > our_mss) c->mss = our_mss;
        c->rcv_wscale = c->snd_wscale < 0 ? 0 : 7;
        c->snd_wnd = get16(t + 14);
        send_segment(c, c->iss, 0, 0x12); /* SYN|ACK */
        c->snd_nxt = c->iss + 1;
        c->snd_una = c->iss + 1;
        return;
    }
    if (!c || !(flags & 0x10)) return;
    int scale = c->snd_wscale < 0 ? 0 : c->snd_wscale;
    if ((int32_t) (ack - c->snd_una) > 0 && (int32_t) (ack - c->snd_nxt) <= 0) {
        uint32_t acked = ack - c->snd_una;
        if (c->fin_sent && ack == c->snd_nxt) { /* our FIN acknowledged */
            if (c->fin_received) { release(c); return; }
            acked -= 1;
        }
        c->queued -= acked < c->queued ? acked : c->queued;
        c->snd_una = ack;
    }
    c->snd_wnd = (uint32_t) get16(t + 14) << scale;
    const uint8_t *data = t + thl;
    /* RFC 9293 3.10.7.4: an unacceptable segment (a window probe, a duplicate) gets an ACK. */
    int must_ack = seq != c->rcv_nxt;
    if (len > 0 || (flags & 0x01)) {
        if (seq != c->rcv_nxt || len > RING - c->queued) {
            must_ack = 1; /* out of order or beyond our window: say where we are */
            len = 0;
        } else if (len > 0) {
            uint32_t at = c->snd_una + c->queued; /* the echo's sequence number */
            uint32_t off = (at - c->iss - 1) % RING;
            uint32_t first = len < RING - off ? len : RING - off;
            memcpy(c->ring + off, data, first);
            memcpy(c->ring, data + first, len - first);
            c->queued += len;
            c->rcv_nxt += len;
            must_ack = 1;
        }
        if ((flags & 0x01) && seq + len == c->rcv_nxt && !c->fin_received) {
            c->rcv_nxt += 1;
            c->fin_received = 1;
            must_ack = 1;
        }
    }
    /* Receiver SWS avoidance (RFC 9293 3.8.6.2.2): once acknowledged echoes free a quarter of the
     * ring beyond the window last advertised, say so, or a peer facing a zero window waits. */
    if ((int32_t) (c->rcv_nxt + (RING - c->queued) - c->adv_right) >= RING / 4) must_ack = 1;
    c->ack_due |= must_ack;
    if (!c->dirty) {
        c->dirty = 1;
        dirty[ndirty++] = c;
    }
}

/*
 * Answers every connection that had input since the last call. Blocking reads answer after each
 * frame (a blocking read cannot tell whether more is queued, and a poll(2) per turn cost more here
 * than it saved); the busy poll answers once the TAP is drained, so the two frames of a 64 KiB
 * write go back together and the peer wakes once.
 */
static void answer(void) {
    for (int i = 0; i < ndirty; i++) {
        struct conn *c = dirty[i];
        if (!c->used || !c->dirty) continue;
        c->dirty = 0;
        push(c, c->ack_due);
        c->ack_due = 0;
    }
    ndirty = 0;
}

int main(int argc, char **argv) {
    const char *name = argc > 1 ? argv[1] : "tap0";
    tap_name = name;
    int spin = argc > 2 && strcmp(argv[2], "spin") == 0;
    fd = open("/dev/net/tun", O_RDWR | (spin ? O_NONBLOCK : 0));
    if (fd < 0) { perror("open /dev/net/tun"); return 1; }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) { perror("TUNSETIFF"); return 1; }
    int hdr = VNET;
    if (ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0) { perror("TUNSETVNETHDRSZ"); return 1; }
    if (ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN) < 0) { perror("TUNSETOFFLOAD"); return 1; }
    fprintf(stderr, "tap_echo_floor: echoing TCP on %s (%s)\n", name, spin ? "spin" : "block");
    static uint8_t f[VNET + 65550];
    for (;;) {
        ssize_t n = read(fd, f, sizeof f);
        if (n < 0) {
            if (errno != EAGAIN) { perror("read"); return 1; }
            answer(); /* spin: drained */
            continue;
        }
        if (n < VNET + 42) continue;
        uint8_t *e = f + VNET;
        if (e[12] == 0x08 && e[13] == 0x06 && e[21] == 1 && memcmp(e + 38, our_ip, 4) == 0) {
            /* ARP request for us (RFC 826): answer in place. */
            memset(f, 0, VNET);
            memcpy(e, e + 6, 6);
            memcpy(e + 6, our_mac, 6);
            e[21] = 2;
            memcpy(e + 32, e + 22, 10);
            memcpy(e + 22, our_mac, 6);
            memcpy(e + 28, our_ip, 4);
            if (write(fd, f, VNET + 42) < 0) perror("write");
            continue;
        }
        if (e[12] != 0x08 || e[13] != 0x00 || memcmp(e + 30, our_ip, 4) != 0) continue;
        uint8_t *ip = e + 14;
        int ihl = (ip[0] & 15) * 4;
        uint32_t total = get16(ip + 2);
        if (ip[9] != 6 || total > (uint32_t) (n - VNET - 14) || total < (uint32_t) ihl + 20) continue;
        uint8_t *t = ip + ihl;
        int thl = (t[12] >> 4) * 4;
        if (thl < 20 || (uint32_t) (ihl + thl) > total) continue;
        tcp_input(e, ip, t, total - (uint32_t) ihl - (uint32_t) thl);
        if (!spin) answer();
    }
}
