#!/usr/bin/python3
"""tag_backend.py - a TCP echo backend that tells which one it is.

    tag_backend.py TAG --port-file FILE [--timeout SECONDS]

Each accepted connection first gets "TAG\\n", then every byte it sends comes
back prefixed by nothing (a plain echo).  The port is written to --port-file
atomically once listening; the process exits after --timeout seconds.
"""

import argparse
import os
import socket
import sys
import threading


def serve(c, tag):
	try:
		c.sendall(tag.encode() + b"\n")
		while True:
			d = c.recv(65536)
			if not d:
				break
			c.sendall(d)
	except OSError:
		pass
	finally:
		c.close()


def main():
	ap = argparse.ArgumentParser()
	ap.add_argument("tag")
	ap.add_argument("--port-file", required=True)
	ap.add_argument("--timeout", type=float, default=120)
	a = ap.parse_args()
	s = socket.socket()
	s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	s.bind(("127.0.0.1", 0))
	s.listen(64)
	with open(a.port_file + ".tmp", "w") as f:
		f.write(f"{s.getsockname()[1]}\n")
	os.rename(a.port_file + ".tmp", a.port_file)
	threading.Timer(a.timeout, lambda: os._exit(0)).start()
	while True:
		c, _ = s.accept()
		threading.Thread(target=serve, args=(c, a.tag), daemon=True).start()


if __name__ == "__main__":
	main()
