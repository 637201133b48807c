# Goal: --connect stdio bridges one client at a time to wsbridge's own stdin and stdout: exact bytes both ways, 503 while they are held, 1000 at stdin's end and 502 after, 1011 when stdout's reader is gone, their flags put back, nothing else ever on stdout.

load helpers

# start_stdio ARGS...: the server on 127.0.0.1:0 with ARGS.  Its
# stdin is the FIFO $T/in.fifo, held open for writing by HOLDER_PID (kill it
# for EOF); its stdout is $T/stdout.bin, or $T/out.fifo when OUT_FIFO is set
# (whose reader must be started first).  Sets PORT and SERVER_PID.
start_stdio() {
	local out=$T/stdout.bin
	[ -z "${OUT_FIFO:-}" ] || out=$T/out.fifo
	mkfifo "$T/in.fifo"
	sleep 300 >"$T/in.fifo" 3>&- &
	HOLDER_PID=$!
	PIDS+=("$HOLDER_PID")
	"$WSBRIDGE" --listen 127.0.0.1:0 "$@" \
	    <"$T/in.fifo" >"$out" 2>"$T/server.log" 3>&- &
	SERVER_PID=$!
	PIDS+=("$SERVER_PID")
	wait_for 10 log_has "$T/server.log" "info: listening on " || {
		cat "$T/server.log" >&2
		return 1
	}
	PORT=$(sed -En "s/^${LOG_TS}wsbridge: info: listening on [^ ]*:([0-9]+)$/\1/p" \
	    "$T/server.log" | head -1)
}

# feed PRINTF-FORMAT: write bytes into the server's stdin.
feed() {
	# shellcheck disable=SC2059
	printf "$1" >"$T/in.fifo"
}

# py SCRIPT [ARGS...]: Python with wsraw importable, PORT and T set.
py() {
	local script=$1; shift
	timeout 60 env PYTHONPATH="$HELPERS" PORT="$PORT" T="$T" "$PY" -c \
	    "$script" "$@"
}

# upgrade_status [PATH]: the status line and Retry-After of one upgrade.
upgrade_status() {
	py '
import os, sys
from wsraw import WS
ws = WS("127.0.0.1", int(os.environ["PORT"]))
r = ws.handshake(path=sys.argv[1] if len(sys.argv) > 1 else "/")
print(r.status_line)
print("Retry-After:", r.header("Retry-After"))' "$@"
}

# flags FD: the file status flags (octal) of the server's descriptor FD.
flags() {
	sed -n 's/^flags:[[:space:]]*//p' "/proc/$SERVER_PID/fdinfo/$1"
}

# nonblock FD: O_NONBLOCK is set on the server's descriptor FD.
nonblock() {
	(( 8#$(flags "$1") & 8#4000 ))
}

# closed_line N: the server has logged connection #N's close line.
closed_line() {
	log_has "$T/server.log" "info: #$1 close "
}

@test "a client's messages are on stdout byte for byte, text and binary, and nothing else is (debug logging on)" {
	start_stdio --connect stdio --log-level debug
	run py '
import os
from wsraw import connect_ws, OP_BINARY, OP_TEXT, OP_CONT
ws = connect_ws("127.0.0.1", int(os.environ["PORT"]))
one = bytes(range(256)) * 3 + b"\r\n\x00end"
two = "text é\n".encode()
three = bytes(range(255, -1, -1)) * 400
ws.send_frame(OP_BINARY, one)
ws.send_frame(OP_TEXT, two)
ws.send_frame(OP_BINARY, three[:1000], fin=False)
ws.send_frame(OP_CONT, three[1000:])
open(os.environ["T"] + "/expected.bin", "wb").write(one + two + three)
ws.send_close(1000, b"bye")
cf, _, closed = ws.expect_close()
print("close=%d tcp_closed=%s" % (cf.close_code(), closed))'
	echo "$output"
	[ "$output" = "close=1000 tcp_closed=True" ]
	wait_for 10 closed_line 1
	cmp "$T/expected.bin" "$T/stdout.bin"
	log_has "$T/server.log" "debug: "
	untimed "$T/server.log" | grep -Eqx "wsbridge: info: #1 close peer=127\.0\.0\.1:[0-9]+ path=/ backend=stdio rx=103182 tx=0 time=[0-9.]+s code=1000 by=client reason=bye"
}

@test "bytes written into stdin reach the client as the exact payload of binary messages" {
	start_stdio --connect stdio
	run py '
import os
from wsraw import connect_ws, OP_BINARY
ws = connect_ws("127.0.0.1", int(os.environ["PORT"]))
fd = os.open(os.environ["T"] + "/in.fifo", os.O_WRONLY)
sent = b"\x00\x01hello\xff\r\n" + bytes(range(256))
os.write(fd, sent)
os.close(fd)
data, frames, stop = ws.collect(len(sent))
print("ops=%s stop=%s" % (sorted({f.opcode for f in frames}), stop))
print(data.hex())
print(data == sent)'
	echo "$output"
	[ "${lines[0]}" = "ops=[2] stop=None" ]
	[ "${lines[1]}" = "000168656c6c6fff0d0a$(printf '%02x' $(seq 0 255) | tr -d '\n')" ]
	[ "${lines[2]}" = "True" ]
}

@test "stdin reaches EOF: the client gets close 1000; later upgrades get 502 'stdin has ended', one warn line each" {
	start_stdio --connect stdio
	feed 'last words'
	bg client py '
import os
from wsraw import connect_ws
ws = connect_ws("127.0.0.1", int(os.environ["PORT"]), timeout=30)
open(os.environ["T"] + "/ready", "w").close()
cf, data, closed = ws.expect_close(timeout=30)
print(b"".join(f.payload for f in data))
print("close=%s tcp_closed=%s" % (cf.close_code() if cf else None, closed))'
	local client=$BG_PID
	wait_for 10 test -e "$T/ready"
	kill "$HOLDER_PID"
	wait_pid_gone "$client" 20
	cat "$T/client.out" "$T/client.log"
	[ "$(cat "$T/client.out")" = "b'last words'
close=1000 tcp_closed=True" ]
	wait_for 10 closed_line 1
	untimed "$T/server.log" | grep -Eqx "wsbridge: info: #1 close peer=127\.0\.0\.1:[0-9]+ path=/ backend=stdio rx=0 tx=10 time=[0-9.]+s code=1000 by=backend reason=-"
	run upgrade_status
	echo "$output"
	[ "${lines[0]}" = "HTTP/1.1 502 Bad Gateway" ]
	run upgrade_status
	[ "${lines[0]}" = "HTTP/1.1 502 Bad Gateway" ]
	wait_for 10 log_has "$T/server.log" " #3 peer="
	cat "$T/server.log"
	[ "$(untimed "$T/server.log" | grep -Ec "^wsbridge: warn: #[23] peer=127\.0\.0\.1:[0-9]+ 502 Bad Gateway: stdin has ended$")" -eq 2 ]
	[ "$(grep -c "warn: " "$T/server.log")" -eq 2 ]
	[ "$(untimed "$T/server.log" | grep -cx "wsbridge: info: stdin has ended: later upgrades get 502")" -eq 1 ]
	[ ! -s "$T/stdout.bin" ]
}

@test "while a client holds stdio another upgrade gets 503 with Retry-After; once it leaves the next one gets what stdin held meanwhile, and writes after it" {
	# The client's leaving lets go of stdio, not the close timeout.
	start_stdio --connect stdio --close-timeout 30
	bg first py '
import fcntl, os, struct, termios, time
from wsraw import connect_ws, OP_BINARY
T = os.environ["T"]
ws = connect_ws("127.0.0.1", int(os.environ["PORT"]))
ws.send_frame(OP_BINARY, b"one,")
open(T + "/ready", "w").close()
while not os.path.exists(T + "/go"):
	time.sleep(0.02)
ws.send_close(1000)
cf = ws.recv_frame()
print("close=%s" % cf.close_code())
# Closing, not closed yet: what comes into stdin now stays there (half a
# second is far longer than the server takes to read what is ready).
fd = os.open(T + "/in.fifo", os.O_WRONLY)
os.write(fd, b"kept,")
time.sleep(0.5)
print("queued=%d" % struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD,
    b"\0\0\0\0"))[0])
os.close(fd)
ws.close()'
	local first=$BG_PID
	wait_for 10 test -e "$T/ready"
	run upgrade_status
	echo "$output"
	[ "$output" = "HTTP/1.1 503 Service Unavailable
Retry-After: 1" ]
	touch "$T/go"
	wait_pid_gone "$first" 20
	cat "$T/first.out" "$T/first.log"
	[ "$(cat "$T/first.out")" = "close=1000
queued=5" ]
	wait_for 10 closed_line 1
	untimed "$T/server.log" | grep -Eqx "wsbridge: warn: #2 peer=127\.0\.0\.1:[0-9]+ 503 Service Unavailable: stdio in use by another connection"
	run py '
import os
from wsraw import connect_ws, OP_BINARY
ws = connect_ws("127.0.0.1", int(os.environ["PORT"]))
fd = os.open(os.environ["T"] + "/in.fifo", os.O_WRONLY)
os.write(fd, b"two")
os.close(fd)
data, _, stop = ws.collect(8)
print(data, stop)
ws.send_frame(OP_BINARY, b"three")
ws.send_close(1000)
cf, _, closed = ws.expect_close()
print("close=%d" % cf.close_code())'
	echo "$output"
	[ "$output" = "b'kept,two' None
close=1000" ]
	wait_for 10 closed_line 3
	[ "$(cat "$T/stdout.bin")" = "one,three" ]
	kill -0 "$SERVER_PID"
}

@test "stdin and stdout are non-blocking only while a client holds them; their flags are put back after" {
	start_stdio --connect stdio
	local in0 out0
	in0=$(flags 0)
	out0=$(flags 1)
	echo "before: stdin $in0 stdout $out0"
	! nonblock 0 || false
	! nonblock 1 || false
	bg client py '
import os, time
from wsraw import connect_ws
T = os.environ["T"]
ws = connect_ws("127.0.0.1", int(os.environ["PORT"]))
open(T + "/ready", "w").close()
while not os.path.exists(T + "/go"):
	time.sleep(0.02)
ws.send_close(1000)
cf, _, closed = ws.expect_close()
print("close=%d" % cf.close_code())'
	wait_for 10 test -e "$T/ready"
	wait_for 10 log_has "$T/server.log" "info: #1 open "
	echo "held: stdin $(flags 0) stdout $(flags 1)"
	nonblock 0
	nonblock 1
	touch "$T/go"
	wait_for 10 closed_line 1
	echo "after: stdin $(flags 0) stdout $(flags 1)"
	[ "$(flags 0)" = "$in0" ]
	[ "$(flags 1)" = "$out0" ]
	[ "$(cat "$T/client.out")" = "close=1000" ]
}

@test "stdout's reader gone: the client gets close 1011 and one warn line; stdin stays for the next client" {
	mkfifo "$T/out.fifo"
	bg reader head -c 6 "$T/out.fifo"
	local reader=$BG_PID
	OUT_FIFO=1 start_stdio --connect stdio
	bg client py '
import os, time
from wsraw import connect_ws, OP_BINARY
T = os.environ["T"]
ws = connect_ws("127.0.0.1", int(os.environ["PORT"]))
ws.send_frame(OP_BINARY, b"hello\n")
open(T + "/ready", "w").close()
while not os.path.exists(T + "/go"):
	time.sleep(0.02)
ws.send_frame(OP_BINARY, b"nobody reads this")
cf, _, closed = ws.expect_close()
print("close=%s reason=%s tcp_closed=%s" % (cf.close_code(),
    cf.payload[2:].decode(), closed))'
	local client=$BG_PID
	wait_for 10 test -e "$T/ready"
	wait_pid_gone "$reader" 10
	[ "$(cat "$T/reader.out")" = "hello" ]
	touch "$T/go"
	wait_pid_gone "$client" 20
	cat "$T/client.out" "$T/client.log"
	[ "$(cat "$T/client.out")" = "close=1011 reason=backend error tcp_closed=True" ]
	wait_for 10 closed_line 1
	cat "$T/server.log"
	[ "$(grep -c "warn: " "$T/server.log")" -eq 1 ]
	untimed "$T/server.log" | grep -qx "wsbridge: warn: #1 backend stdio: write to stdout: Broken pipe"
	untimed "$T/server.log" | grep -Eqx "wsbridge: info: #1 close peer=127\.0\.0\.1:[0-9]+ path=/ backend=stdio rx=23 tx=0 time=[0-9.]+s code=1011 by=backend reason=backend error"
	# stdin is not spoilt: the next client still gets what comes in.
	run py '
import os
from wsraw import connect_ws
ws = connect_ws("127.0.0.1", int(os.environ["PORT"]))
fd = os.open(os.environ["T"] + "/in.fifo", os.O_WRONLY)
os.write(fd, b"still here")
os.close(fd)
data, _, stop = ws.collect(10)
print(data, stop)'
	echo "$output"
	[ "$output" = "b'still here' None" ]
}

@test "8 MiB each way at once, stdout read slowly: everything arrives, identical" {
	head -c 8388608 /dev/urandom >"$T/big.in"
	mkfifo "$T/out.fifo"
	# 16 KiB every 4 ms: about 4 MB/s, far slower than the client sends.
	bg reader "$PY" -c '
import fcntl, os, struct, sys, termios, time
fd = os.open(sys.argv[1], os.O_RDONLY)
cap = fcntl.fcntl(fd, 1032)		# F_GETPIPE_SZ
most = got = 0
with open(sys.argv[2], "wb") as out:
	while got < 8388608:
		q = struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD,
		    b"\0\0\0\0"))[0]
		most = max(most, q)
		b = os.read(fd, 16384)
		if not b:
			break
		out.write(b)
		got += len(b)
		time.sleep(0.004)
print("got=%d fullest=%d capacity=%d" % (got, most, cap))' \
	    "$T/out.fifo" "$T/stdout.bin"
	local reader=$BG_PID
	OUT_FIFO=1 start_stdio --connect stdio
	bg client py '
import hashlib, os, threading
from wsraw import connect_ws, OP_BINARY, pattern
T = os.environ["T"]
ws = connect_ws("127.0.0.1", int(os.environ["PORT"]), timeout=60)
open(T + "/ready", "w").close()
data = open(T + "/big.in", "rb").read()
def send():
	for i in range(0, len(data), 65536):
		ws.send_frame(OP_BINARY, data[i:i + 65536])
t = threading.Thread(target=send)
t.start()
got, _, stop = ws.collect(len(data), timeout=60)
t.join()
print("sent=%d got=%d sha256=%s stop=%s" % (len(data), len(got),
    hashlib.sha256(got).hexdigest(), stop))
ws.send_close(1000)
cf, _, closed = ws.expect_close(timeout=60)
print("close=%s" % (cf.close_code() if cf else None))'
	local client=$BG_PID
	wait_for 10 test -e "$T/ready"
	cat "$T/big.in" >"$T/in.fifo"
	wait_pid_gone "$client" 60
	# What the client sent is all on stdout soon after it has gone.
	wait_for 20 eval '[ "$(stat -c %s "$T/stdout.bin")" -ge 8388608 ]'
	wait_pid_gone "$reader" 10
	cat "$T/client.out" "$T/client.log" "$T/reader.out"
	local sha
	sha=$(sha256sum <"$T/big.in" | cut -d' ' -f1)
	[ "$(cat "$T/client.out")" = "sent=8388608 got=8388608 sha256=$sha stop=None
close=1000" ]
	[ "$(sha256sum <"$T/stdout.bin" | cut -d' ' -f1)" = "$sha" ]
	# stdout was full at times: the server waited for its reader.
	local fullest cap
	fullest=$(sed -n 's/.* fullest=\([0-9]*\) .*/\1/p' "$T/reader.out")
	cap=$(sed -n 's/.* capacity=\([0-9]*\)$/\1/p' "$T/reader.out")
	[ "$fullest" -ge $(( cap - 4096 )) ]
	wait_for 10 closed_line 1
	untimed "$T/server.log" | grep -Eqx "wsbridge: info: #1 close peer=127\.0\.0\.1:[0-9]+ path=/ backend=stdio rx=8388608 tx=8388608 time=[0-9.]+s code=1000 by=client reason=-"
}

@test "--route PATH=stdio: that path gets stdin and stdout, others the default backend" {
	start_backend echo
	start_stdio --route /io=stdio --connect "127.0.0.1:$BACKEND_PORT"
	run py '
import os
from wsraw import connect_ws, OP_BINARY
port = int(os.environ["PORT"])
io = connect_ws("127.0.0.1", port, path="/io/x")
echo = connect_ws("127.0.0.1", port, path="/")
fd = os.open(os.environ["T"] + "/in.fifo", os.O_WRONLY)
os.write(fd, b"from stdin")
os.close(fd)
print(io.collect(10))
io.send_frame(OP_BINARY, b"to stdout")
echo.send_frame(OP_BINARY, b"echoed")
print(echo.collect(6)[0])
for ws in (io, echo):
	ws.send_close(1000)
	print("close=%d" % ws.expect_close()[0].close_code())'
	echo "$output"
	[ "${lines[0]}" = "(b'from stdin', [Frame(op=0x2 fin=1 rsv=0 len=10 b'from stdin')], None)" ]
	[ "${lines[1]}" = "b'echoed'" ]
	[ "${lines[2]}" = "close=1000" ]
	[ "${lines[3]}" = "close=1000" ]
	wait_for 10 closed_line 1
	[ "$(cat "$T/stdout.bin")" = "to stdout" ]
	untimed "$T/server.log" | grep -Eq "^wsbridge: info: #1 open peer=127\.0\.0\.1:[0-9]+ path=/io/x backend=stdio$"
}

# refused ARGS...: wsbridge with ARGS exits 2 at once, with one line on
# stderr (in output) and nothing on stdout.
refused() {
	local rc=0
	timeout 10 "$WSBRIDGE" "$@" >"$T/out" 2>"$T/err" </dev/null 3>&- ||
	    rc=$?
	output=$(cat "$T/err")
	echo "$* -> $rc: $output"
	[ "$rc" -eq 2 ]
	[ ! -s "$T/out" ]
	[ "$(wc -l <"$T/err")" -eq 1 ]
}

@test "stdio with --workers 2, on the command line, in a --config file or as a route: exit 2, one line" {
	refused --listen 127.0.0.1:0 --connect stdio --workers 2
	[ "$output" = "wsbridge: --connect stdio cannot be used with --workers 2: one process owns stdin and stdout" ]
	refused --listen 127.0.0.1:0 --workers 2 --connect stdio
	[ "$output" = "wsbridge: --connect stdio cannot be used with --workers 2: one process owns stdin and stdout" ]
	refused --listen 127.0.0.1:0 --route /io=stdio --connect 127.0.0.1:1 \
	    --workers 3
	[ "$output" = "wsbridge: --route /io=stdio cannot be used with --workers 3: one process owns stdin and stdout" ]
	printf 'listen 127.0.0.1:0\nconnect stdio\nworkers 2\n' >"$T/w.conf"
	refused --config "$T/w.conf"
	[ "$output" = "wsbridge: --connect stdio cannot be used with --workers 2: one process owns stdin and stdout" ]
	# One worker is fine: --check-config names the backend.
	run timeout 10 "$WSBRIDGE" --check-config --listen 127.0.0.1:0 \
	    --connect stdio --workers 1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "/ -> stdio" ]
}

@test "SIGTERM while a client holds stdio: close 1001, exit 0, and the stdin and stdout its parent shares are as they were" {
	mkfifo "$T/in.fifo"
	run py '
import fcntl, os, signal, subprocess, sys, time
from wsraw import connect_ws
T = os.environ["T"]

def wait_log(text):
	dl = time.monotonic() + 10
	while time.monotonic() < dl:
		for line in open(T + "/server.log"):
			if text in line:
				return line
		time.sleep(0.02)
	raise RuntimeError("no %r in the log" % text)

# One open file each, shared with the server: what it sets, we see.
fin = os.open(T + "/in.fifo", os.O_RDWR)
rout, wout = os.pipe()
flags = lambda: (oct(fcntl.fcntl(fin, fcntl.F_GETFL)),
    oct(fcntl.fcntl(wout, fcntl.F_GETFL)))
before = flags()
p = subprocess.Popen([sys.argv[1], "--listen", "127.0.0.1:0", "--connect",
    "stdio"], stdin=fin, stdout=wout, stderr=open(T + "/server.log", "w"))
port = int(wait_log("listening on").rsplit(":", 1)[1])
ws = connect_ws("127.0.0.1", port)
wait_log("#1 open ")
held = flags()
p.send_signal(signal.SIGTERM)
cf, _, closed = ws.expect_close()
ws.close()
rc = p.wait(20)
print("before", *before)
print("held", *held)
print("after", *flags())
print("close=%d rc=%d" % (cf.close_code(), rc))' "$WSBRIDGE"
	echo "$output"
	[ "${lines[0]}" = "before 0o100002 0o1" ]
	[ "${lines[1]}" = "held 0o104002 0o4001" ]
	[ "${lines[2]}" = "after 0o100002 0o1" ]
	[ "${lines[3]}" = "close=1001 rc=0" ]
}
