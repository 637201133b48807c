#!/usr/bin/python3
"""closefds_exec.py KEEP PROGRAM [ARGS...] - close every descriptor above 2
except those in KEEP (comma-separated, may be empty), then exec PROGRAM with
ARGS in this same process (same PID).  Lets a test start wsbridge with a
known set of inherited descriptors."""

import os
import sys

if len(sys.argv) < 3:
	print(__doc__, file=sys.stderr)
	sys.exit(2)
keep = {int(x) for x in sys.argv[1].split(",") if x}
for fd in os.listdir("/proc/self/fd"):
	n = int(fd)
	if n > 2 and n not in keep:
		try:
			os.close(n)
		except OSError:
			pass
os.execv(sys.argv[2], sys.argv[2:])
