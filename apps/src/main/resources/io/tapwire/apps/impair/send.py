# The Linux sender of 'tapwire bench impair': sends FILE to HOST:PORT with congestion control CC
# (TCP_CONGESTION on the socket: a new namespace inherits the root namespace's default, whatever
# it is, and its sysctl may be read-only), half-closes, and waits for the receiver's close, so
# every byte was delivered and acknowledged. Prints the algorithm the socket really used.
import socket
import sys

host, port, path, cc = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, cc.encode())
s.connect((host, port))
with open(path, "rb") as f:
    s.sendfile(f)
s.shutdown(socket.SHUT_WR)
while s.recv(65536):
    pass
used = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).split(b"\0")[0].decode()
s.close()
print(used)
