"""A WebSocket client that joins a room and then never reads (for the server's backpressure test).

A separate process with a plain socket and a tiny receive buffer: the kernel stops accepting data
for it quickly, so what the server sends it piles up on the server's side.
Usage: python3 stuck-client.py PORT ROOM VERSION   (prints "ready" once joined; the test kills it)
"""
import base64
import os
import socket
import sys
import time

port, room, version = int(sys.argv[1]), sys.argv[2].encode(), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", port))
key = base64.b64encode(os.urandom(16))
s.sendall(b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          b"Sec-WebSocket-Key: " + key + b"\r\nSec-WebSocket-Version: 13\r\n\r\n")
# msgpack {v: VERSION, type: "join", room}, in a masked frame (zero mask key).
join = b"\x83\xa1v" + bytes([version]) + b"\xa4type\xa4join\xa4room" + bytes([0xa0 | len(room)]) + room
s.sendall(bytes([0x82, 0x80 | len(join), 0, 0, 0, 0]) + join)
print("ready", flush=True)
deadline = time.time() + 30
while time.time() < deadline:
    time.sleep(0.2)
