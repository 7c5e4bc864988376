"""Writes a file into a halted QEMU guest through its gdbstub, then detaches so it runs.

Usage: gdb_load.py PORT FILE ADDRESS  (QEMU started with -S -gdb tcp:127.0.0.1:PORT)
"""
import socket
import sys
import time


def packet(sock, data):
    """Sends one remote-protocol packet and returns the payload of the reply."""
    body = data.encode()
    sock.sendall(b"$" + body + b"#" + b"%02x" % (sum(body) & 0xFF))
    reply = b""
    while b"#" not in reply or len(reply) < reply.index(b"#") + 3:
        chunk = sock.recv(4096)
        if not chunk:
            raise SystemExit("gdb_load: gdbstub closed the connection")
        reply += chunk
    sock.sendall(b"+")
    start = reply.index(b"$")
    return reply[start + 1 : reply.index(b"#", start)].decode()


def connect(port):
    """Connects to the gdbstub, waiting up to 5 s for QEMU to open it."""
    for _ in range(50):
        try:
            return socket.create_connection(("127.0.0.1", port))
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gdb_load: no gdbstub on port %d" % port)


def main():
    port, path, address = int(sys.argv[1]), sys.argv[2], int(sys.argv[3], 0)
    data = open(path, "rb").read()
    sock = connect(port)
    for offset in range(0, len(data), 1024):
        chunk = data[offset : offset + 1024]
        reply = packet(sock, "M%x,%x:%s" % (address + offset, len(chunk), chunk.hex()))
        if reply != "OK":
            raise SystemExit("gdb_load: write at %#x failed: %s" % (address + offset, reply))
    if bytes.fromhex(packet(sock, "m%x,%x" % (address, 64))) != data[:64]:
        raise SystemExit("gdb_load: read-back differs")
    print("gdb_load: wrote %d bytes at %#x" % (len(data), address), file=sys.stderr)
    packet(sock, "D")
    sock.close()


main()
