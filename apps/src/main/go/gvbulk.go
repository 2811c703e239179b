// gvbulk: gVisor's netstack (Debian's golang-gvisor-gvisor-dev) on an AF_PACKET socket bound to
// one end of a veth pair, the way runsc attaches a sandbox to its network (runsc/sandbox/network.go:
// AF_PACKET with PACKET_VNET_HDR for host GSO, 4 MB socket buffers), serving discard (9) and a byte
// source (19) for the bulk client of tapwire bench link (apps/src/main/c/bulk.c).
//
// This gVisor (Debian 12's snapshot) offers host GSO on socket descriptors only, not on a TAP
// opened with IFF_VNET_HDR, hence the veth. The stack trusts received checksums (the veth hands
// over the kernel's partial ones; RXChecksumOffload, as runsc) and computes its own on
// transmit (TXChecksumOffload off: a packet without a GSO header has no way to ask for one).
//
// Built by tapwire bench link with: GO111MODULE=off GOPATH=/usr/share/gocode go build gvbulk.go
package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/link/fdbased"
	"gvisor.dev/gvisor/pkg/tcpip/network/arp"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
)

func die(f string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "gvbulk: "+f+"\n", a...)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 5 {
		die("usage: gvbulk IFNAME IPV4 GSO(0|1) MODE(mmap|recvmmsg|readv)")
	}
	ifc, err := net.InterfaceByName(os.Args[1])
	if err != nil {
		die("%v", err)
	}
	gso, _ := strconv.Atoi(os.Args[3])
	const ethPAll = 0x0300 // htons(ETH_P_ALL)
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, ethPAll)
	if err != nil {
		die("socket: %v", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: ethPAll, Ifindex: ifc.Index}); err != nil {
		die("bind: %v", err)
	}
	var gsoMax uint32
	if gso != 0 {
		if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VNET_HDR, 1); err != nil {
			die("PACKET_VNET_HDR: %v", err)
		}
		gsoMax = 65536
	}
	for _, o := range []int{unix.SO_RCVBUFFORCE, unix.SO_SNDBUFFORCE} {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, o, 4<<20)
	}
	// runsc's choice is PacketMMap on Linux >= 5.6 (runsc/boot/network.go), RecvMMsg before.
	mode := fdbased.PacketMMap
	switch os.Args[4] {
	case "readv":
		mode = fdbased.Readv
	case "recvmmsg":
		mode = fdbased.RecvMMsg
	}
	ep, err := fdbased.New(&fdbased.Options{
		FDs: []int{fd}, MTU: uint32(ifc.MTU), EthernetHeader: true,
		Address: tcpip.LinkAddress(ifc.HardwareAddr), PacketDispatchMode: mode,
		GSOMaxSize: gsoMax, TXChecksumOffload: false, RXChecksumOffload: true,
	})
	if err != nil {
		die("fdbased: %v", err)
	}
	s := stack.New(stack.Options{
		NetworkProtocols:   []stack.NetworkProtocolFactory{ipv4.NewProtocol, arp.NewProtocol},
		TransportProtocols: []stack.TransportProtocolFactory{tcp.NewProtocol},
	})
	sack := tcpip.TCPSACKEnabled(true)
	s.SetTransportProtocolOption(tcp.ProtocolNumber, &sack)
	rcv := tcpip.TCPReceiveBufferSizeRangeOption{Min: 4096, Default: 1 << 20, Max: 8 << 20}
	s.SetTransportProtocolOption(tcp.ProtocolNumber, &rcv)
	snd := tcpip.TCPSendBufferSizeRangeOption{Min: 4096, Default: 1 << 20, Max: 6 << 20}
	s.SetTransportProtocolOption(tcp.ProtocolNumber, &snd)
	mod := tcpip.TCPModerateReceiveBufferOption(true)
	s.SetTransportProtocolOption(tcp.ProtocolNumber, &mod)
	if e := s.CreateNIC(1, ep); e != nil {
		die("CreateNIC: %v", e)
	}
	ip := net.ParseIP(os.Args[2]).To4()
	addr := tcpip.Address(ip)
	if e := s.AddProtocolAddress(1, tcpip.ProtocolAddress{Protocol: ipv4.ProtocolNumber,
		AddressWithPrefix: tcpip.AddressWithPrefix{Address: addr, PrefixLen: 24}}, stack.AddressProperties{}); e != nil {
		die("AddProtocolAddress: %v", e)
	}
	sub, _ := tcpip.NewSubnet(tcpip.Address([]byte{0, 0, 0, 0}), tcpip.AddressMask([]byte{0, 0, 0, 0}))
	s.SetRouteTable([]tcpip.Route{{Destination: sub, NIC: 1}})
	serve := func(port uint16, h func(net.Conn)) {
		l, err := gonet.ListenTCP(s, tcpip.FullAddress{NIC: 1, Addr: addr, Port: port}, ipv4.ProtocolNumber)
		if err != nil {
			die("listen %d: %v", port, err)
		}
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				go h(c)
			}
		}()
	}
	serve(9, func(c net.Conn) { io.Copy(io.Discard, c); c.Close() })
	serve(19, func(c net.Conn) {
		buf := make([]byte, 256<<10)
		for {
			if _, err := c.Write(buf); err != nil {
				break
			}
		}
		c.Close()
	})
	fmt.Println("gvbulk: serving discard 9 and source 19 on", os.Args[2], "via", os.Args[1], "gso", gsoMax)
	select {}
}
