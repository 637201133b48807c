#!/usr/bin/python3
"""bench/run.py - drive the wsbridge benchmarks and print one table.

Starts the echo backend, the relays and WebSocket servers under test, runs
wsload against each one in interleaved rounds, takes medians and prints the
figures with their ratios against socat and raw TCP.  Everything binds to
127.0.0.1, every run has a deadline, and every process started here is killed
on the way out.  Python 3 standard library only.

Environment: ROUNDS (5), QUICK=1 (1 round, short runs), BULK_SECS, PP_SECS,
CONN_SECS, IDLE_CONNS (5000), PROG_BYTES (1G), WSBRIDGE (../wsbridge).

Every contender's rounds are also listed side by side with their spread
(max / min); a spread beyond 2x is flagged and fails the targets, since a
median hides a server that stalls in some rounds only.

Besides the comparison with the other servers, two wsbridge-only sections:
TLS (wss://, a throw-away certificate, against our plain TCP-mode figure and
websockify --cert/--key --ssl-only) and permessage-deflate (text payload,
with and without compression: throughput and bytes on the wire).
"""

import os
import re
import resource
import signal
import shutil
import socket
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
QUICK = os.environ.get("QUICK", "") not in ("", "0")


def env_num(name, default, conv=float):
    v = os.environ.get(name, "")
    return conv(v) if v else default


ROUNDS = env_num("ROUNDS", 1 if QUICK else 5, int)
BULK_SECS = env_num("BULK_SECS", 0.5 if QUICK else 2.0)
PP_SECS = env_num("PP_SECS", 0.5 if QUICK else 2.0)
CONN_SECS = env_num("CONN_SECS", 0.5 if QUICK else 2.0)
IDLE_CONNS = env_num("IDLE_CONNS", 300 if QUICK else 5000, int)
# program mode spawns a process per connection (~10 ms each here)
IDLE_PROG_CONNS = env_num("IDLE_PROG_CONNS", 100 if QUICK else 1000, int)
PROG_BYTES = os.environ.get("PROG_BYTES", "64M" if QUICK else "1G")
STALL_SECS = env_num("STALL_SECS", 5.0)
WSBRIDGE = os.environ.get("WSBRIDGE", os.path.join(HERE, "..", "wsbridge"))
WSLOAD = os.path.join(HERE, "wsload")
ECHOD = os.path.join(HERE, "echod")
OUT = os.path.join(HERE, "out")
CLK = os.sysconf("SC_CLK_TCK")

started = []            # every Popen we made, for the cleanup
logdir = None


def note(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- processes

def proc_stat(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    return s[s.rindex(")") + 2:].split()


def children_map():
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        st = proc_stat(int(d))
        if st:
            kids.setdefault(int(st[1]), []).append(int(d))
    return kids


def descendants(pid):
    kids, out, todo = children_map(), [], [pid]
    while todo:
        p = todo.pop()
        for c in kids.get(p, []):
            out.append(c)
            todo.append(c)
    return out


def cpu_tree(pid):
    """utime+stime (+ reaped children) of pid and its live descendants, s."""
    total = 0
    for p in [pid] + descendants(pid):
        st = proc_stat(p)
        if st:   # fields 14-17 of stat(5): utime stime cutime cstime
            total += sum(int(x) for x in st[11:15])
    return total / CLK


def status_kib(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss_kib(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def kill_tree(p):
    if p.poll() is not None and not descendants(p.pid):
        return
    pids = descendants(p.pid)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for q in [p.pid] + pids:
            try:
                os.kill(q, sig)
            except OSError:
                pass
        try:
            os.killpg(p.pid, sig)     # its own group: start_new_session
        except OSError:
            pass
        try:
            p.wait(timeout=2)
        except subprocess.TimeoutExpired:
            continue
        pids = [q for q in pids if os.path.exists("/proc/%d" % q)]
        if not pids:
            break
        time.sleep(0.2)


def cleanup():
    while started:
        kill_tree(started.pop())


def spawn(argv, log):
    f = open(os.path.join(logdir, log), "ab")
    f.write(("--- %s: %s\n" % (time.strftime("%H:%M:%S"), " ".join(argv)))
            .encode())
    f.flush()
    start = f.tell()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=f, stderr=f,
                         start_new_session=True)
    f.close()
    p.log_start = start
    started.append(p)
    return p


def stop(p):
    kill_tree(p)
    if p in started:
        started.remove(p)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def listening(port):
    want = ":%04X" % port
    for tab in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(tab) as f:
                for line in f.readlines()[1:]:
                    x = line.split()
                    if x[1].endswith(want) and x[3] == "0A":
                        return True
        except OSError:
            pass
    return False


def wait_for(cond, secs):
    end = time.time() + secs
    while time.time() < end:
        r = cond()
        if r:
            return r
        time.sleep(0.02)
    return None


def port_from_log(p, log, pattern):
    """The port p logs, in what it appended to log since it started."""
    path = os.path.join(logdir, log)
    try:
        start = p.log_start
    except AttributeError:
        start = 0

    def look():
        if p.poll() is not None:
            return -1
        try:
            with open(path, errors="replace") as f:
                f.seek(start)
                m = re.search(pattern, f.read())
            return int(m.group(1)) if m else None
        except OSError:
            return None
    return wait_for(look, 10)


# ---------------------------------------------------------------- contenders

def have(cmd):
    return shutil.which(cmd) is not None


def wsbridge_help():
    try:
        return subprocess.run([WSBRIDGE, "--help"], capture_output=True,
                              text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""


class Server:
    """One contender: how to start it and where wsload connects."""

    def __init__(self, key, label, raw, program=False, avail=True, why="",
                 cargs=()):
        self.key, self.label, self.raw, self.program = key, label, raw, program
        self.avail, self.why = avail, why
        self.cargs = list(cargs)        # wsload options for this contender
        self.proc, self.port = None, None

    def argv(self, port):
        raise NotImplementedError

    def start(self):
        if self.proc is not None and self.proc.poll() is None:
            return True
        for _ in range(3):
            port = free_port()
            self.proc = spawn(self.argv(port), self.key + ".log")
            if wait_for(lambda: listening(port) or self.proc.poll() is not None,
                        10) and self.proc.poll() is None and listening(port):
                self.port = port
                time.sleep(0.1)
                return True
            stop(self.proc)
        self.proc = None
        return False

    def stop(self):
        if self.proc is not None:
            stop(self.proc)
        self.proc = None

    def pid(self):
        return self.proc.pid if self.proc else None


class Raw(Server):
    def start(self):
        self.port = ECHO.port
        return True

    def pid(self):
        return None


class Socat(Server):
    def __init__(self, key, label, bufsize):
        super().__init__(key, label, True, avail=have("socat"),
                         why="socat not installed")
        self.bufsize = bufsize

    def argv(self, port):
        a = ["socat"]
        if self.bufsize:
            a += ["-b", str(self.bufsize)]
        return a + ["TCP-LISTEN:%d,bind=127.0.0.1,reuseaddr,fork,backlog=4096"
                    % port, "TCP:127.0.0.1:%d" % ECHO.port]


class Websockify(Server):
    tls = ()

    def argv(self, port):
        return ["websockify"] + list(self.tls) + [
            "127.0.0.1:%d" % port, "127.0.0.1:%d" % ECHO.port]


class Websocketd(Server):
    def argv(self, port):
        return ["websocketd", "--address=127.0.0.1", "--port=%d" % port,
                "--binary", "cat"]


class Wsbridge(Server):
    def __init__(self, key, label, extra, program=False, avail=True, why="",
                 cargs=()):
        super().__init__(key, label, False, program, avail, why, cargs)
        self.extra = extra

    def start(self):
        if self.proc is not None and self.proc.poll() is None:
            return True
        log = self.key + ".log"
        argv = [WSBRIDGE, "--listen", "127.0.0.1:0"]
        if self.program:
            argv += self.extra + ["--", "cat"]
        else:
            argv += ["--connect", "127.0.0.1:%d" % ECHO.port] + self.extra
        self.proc = spawn(argv, log)
        port = port_from_log(self.proc, log,
                             r"listening on 127\.0\.0\.1:(\d+)")
        if not port or port < 0:
            self.stop()
            return False
        self.port = port
        return True


class Echod(Server):
    def start(self):
        self.proc = spawn([ECHOD, "0"], "echod.log")
        self.port = port_from_log(self.proc, "echod.log",
                                  r"listening on 127\.0\.0\.1:(\d+)")
        return bool(self.port and self.port > 0)


ECHO = Echod("echod", "echod", True)


TLS_CERT = TLS_KEY = None
TLS_WHY = "openssl not installed"


def make_cert():
    """A throw-away self-signed P-256 certificate for the TLS runs."""
    global TLS_CERT, TLS_KEY, TLS_WHY
    if not have("openssl"):
        return
    d = os.path.join(OUT, "tls")
    os.makedirs(d, exist_ok=True)
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    try:
        r = subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
             "-subj", "/CN=localhost", "-keyout", key, "-out", cert],
            capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        TLS_WHY = "openssl req failed: %s" % e
        return
    if r.returncode != 0:
        TLS_WHY = "openssl req failed: %s" % r.stderr.strip()[-100:]
        return
    TLS_CERT, TLS_KEY = cert, key


def contenders():
    h = wsbridge_help()
    workers = "--workers" in h
    binary = "--binary" in h
    tls_ok = TLS_CERT is not None and "--tls-cert" in h
    tls_why = TLS_WHY if TLS_CERT is None else "--tls-cert not supported yet"
    wsk_tls = Websockify("websockify-tls", "websockify --ssl-only", False,
                         avail=have("websockify") and TLS_CERT is not None,
                         why="websockify not installed" if
                         not have("websockify") else TLS_WHY,
                         cargs=["--tls"])
    wsk_tls.tls = ("--cert=%s" % TLS_CERT, "--key=%s" % TLS_KEY,
                   "--ssl-only")
    deflate = "--deflate-level" in h
    nws = "not supported yet"
    return {
        "raw": Raw("raw", "raw TCP (echod)", True),
        "socat256k": Socat("socat256k", "socat -b 262144", 262144),
        "socat": Socat("socat", "socat (default bufs)", 0),
        "websockify": Websockify("websockify", "websockify", False,
                                 avail=have("websockify"),
                                 why="websockify not installed"),
        "websocketd": Websocketd("websocketd", "websocketd cat", False,
                                 program=True, avail=have("websocketd"),
                                 why="websocketd not installed"),
        "wsbridge": Wsbridge("wsbridge", "wsbridge TCP", []),
        "wsbridge-w2": Wsbridge("wsbridge-w2", "wsbridge TCP --workers 2",
                                ["--workers", "2"], avail=workers, why=nws),
        "wsbridge-prog": Wsbridge("wsbridge-prog", "wsbridge --binary cat",
                                  ["--binary"], program=True, avail=binary,
                                  why=nws),
        "wsbridge-tls": Wsbridge("wsbridge-tls", "wsbridge TCP, TLS",
                                 ["--tls-cert", str(TLS_CERT), "--tls-key",
                                  str(TLS_KEY)], avail=tls_ok, why=tls_why,
                                 cargs=["--tls"]),
        "websockify-tls": wsk_tls,
        "wsbridge-dfl6": Wsbridge("wsbridge-dfl6", "wsbridge deflate, level 6",
                                  [], avail=deflate, why=nws,
                                  cargs=["--deflate"]),
        "wsbridge-dfl1": Wsbridge("wsbridge-dfl1", "wsbridge deflate, level 1",
                                  ["--deflate-level", "1"], avail=deflate,
                                  why=nws, cargs=["--deflate"]),
    }


# ---------------------------------------------------------------- runs

def parse_kv(line):
    return dict(x.split("=", 1) for x in line.split() if "=" in x)


def wsload(srv, args, limit):
    argv = [WSLOAD, "--port", str(srv.port), "--stall", str(STALL_SECS),
            "--timeout", str(limit)] + (["--raw"] if srv.raw else []) + \
        srv.cargs + args
    try:
        r = subprocess.run(argv, capture_output=True, text=True,
                           timeout=limit + 15)
    except subprocess.TimeoutExpired:
        return {"status": "timeout"}
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("mode=")]
    if not lines:
        return {"status": "error", "error": r.stderr.strip()[-200:]}
    kv = parse_kv(lines[-1])
    if kv.get("status") != "ok" and r.stderr.strip():
        kv.setdefault("error", r.stderr.strip().splitlines()[-1])
    return kv


SCENARIOS = [
    # key, title, wsload args, duration, contenders
    ("bulk1", "bulk, 1 conn, 64 KiB messages",
     ["--mode", "bulk", "-c", "1"], BULK_SECS,
     ["raw", "socat256k", "socat", "websockify", "websocketd", "wsbridge",
      "wsbridge-prog"]),
    ("bulk16", "bulk, 16 conns, 64 KiB messages",
     ["--mode", "bulk", "-c", "16"], BULK_SECS,
     ["raw", "socat256k", "socat", "websockify", "websocketd", "wsbridge",
      "wsbridge-w2", "wsbridge-prog"]),
    ("pp1", "ping-pong, 1 conn, 32 B",
     ["--mode", "pingpong", "-c", "1"], PP_SECS,
     ["raw", "socat", "websockify", "websocketd", "wsbridge",
      "wsbridge-prog"]),
    ("pp64", "ping-pong, 64 conns, 32 B",
     ["--mode", "pingpong", "-c", "64"], PP_SECS,
     ["raw", "socat", "websockify", "websocketd", "wsbridge", "wsbridge-w2",
      "wsbridge-prog"]),
    ("connect", "connect+handshake+echo+close, 16 at once",
     ["--mode", "connect", "-c", "16"], CONN_SECS,
     ["raw", "socat", "websockify", "websocketd", "wsbridge", "wsbridge-w2",
      "wsbridge-prog"]),
]

# wsbridge only, reported in sections of their own: TLS against our plain
# TCP-mode figure (bulk1/bulk16 of the same run) and websockify over TLS;
# permessage-deflate against the same runs without it.  The client compresses
# at zlib level 6 in every deflate run; only wsbridge's --deflate-level moves.
EXTRA = [
    ("tls1", "TLS (wss://): bulk, 1 conn, 64 KiB messages",
     ["--mode", "bulk", "-c", "1"], BULK_SECS,
     ["wsbridge-tls", "websockify-tls"]),
    ("tls16", "TLS (wss://): bulk, 16 conns, 64 KiB messages",
     ["--mode", "bulk", "-c", "16"], BULK_SECS,
     ["wsbridge-tls", "websockify-tls"]),
    ("dfl-text", "permessage-deflate: bulk, 1 conn, 64 KiB text messages",
     ["--mode", "bulk", "-c", "1", "--payload", "text"], BULK_SECS,
     ["wsbridge", "wsbridge-dfl6", "wsbridge-dfl1"]),
    ("dfl-rand", "permessage-deflate: bulk, 1 conn, 64 KiB random messages",
     ["--mode", "bulk", "-c", "1", "--payload", "random"], BULK_SECS,
     ["wsbridge", "wsbridge-dfl6"]),
]

results = {}     # (scenario, contender) -> list of kv dicts


def one_run(scen, srv, args, secs):
    if not srv.start():
        return {"status": "error", "error": "server did not start"}
    pid = srv.pid()
    cpu0 = cpu_tree(pid) if pid else None
    kv = wsload(srv, args + ["--duration", str(secs)], secs + 20)
    if pid:
        time.sleep(0.2)   # let per-connection children exit and be reaped
        kv["cpu"] = cpu_tree(pid) - cpu0
    if kv.get("status") != "ok":
        srv.stop()        # a stalled server is not reused
    return kv


def idle_run(srv, n):
    """Fresh server; RSS before, with n idle connections open, per conn."""
    srv.stop()
    if not srv.start():
        return {"status": "error", "error": "server did not start"}
    pid = srv.pid()
    time.sleep(0.3)
    rss0 = status_kib(pid, "VmRSS")
    argv = [WSLOAD, "--port", str(srv.port), "--mode", "idle", "-c", str(n),
            "--stall", str(max(STALL_SECS, 10)), "--timeout", "180"]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, start_new_session=True)
    started.append(p)
    kv = {"status": "error"}
    try:
        line = p.stdout.readline()      # "ready ..." or the final line
        if line.startswith("ready"):
            if srv.program:
                # some servers answer 101 before the program is spawned:
                # wait until there is one per connection, or 30 s
                wait_for(lambda: len(descendants(pid)) >= n, 60)
            time.sleep(1.0)             # let allocations settle
            kv_r = {"rss": status_kib(pid, "VmRSS") - rss0}
            kids = descendants(pid)
            kv_r["kids"] = len(kids)
            kv_r["kid_rss"] = sum(status_kib(k, "VmRSS") for k in kids)
            kv_r["kid_pss"] = sum(pss_kib(k) for k in kids)
            p.send_signal(signal.SIGUSR1)
            out, err = p.communicate(timeout=120)
            kv = parse_kv(out.strip().splitlines()[-1]) if out.strip() else {
                "status": "error", "error": err.strip()[-200:]}
            kv.update(kv_r)
        else:
            out, err = p.communicate(timeout=30)
            kv = parse_kv(line) if line.startswith("mode=") else {
                "status": "error", "error": (line + err).strip()[-200:]}
    except subprocess.TimeoutExpired:
        kv = {"status": "timeout"}
    finally:
        stop(p)
        srv.stop()
    return kv


def fmt_num(v):
    if v is None:
        return "-"
    if v >= 100:
        return "%.0f" % v
    if v >= 10:
        return "%.1f" % v
    return "%.2f" % v


def median_of(runs, key):
    vals = [float(r[key]) for r in runs
            if r.get("status") == "ok" and key in r]
    return statistics.median(vals) if vals else None


# ---------------------------------------------------------------- report

ROWS = []     # (title, metric, contender label, figure, ratios..., detail)


def main():
    global logdir
    for b in (WSLOAD, ECHOD, WSBRIDGE):
        if not os.access(b, os.X_OK):
            sys.exit("run.py: %s missing: run 'make -C bench run'" % b)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 20000
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(hard, want)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    os.makedirs(OUT, exist_ok=True)
    logdir = os.path.join(OUT, "logs")     # the last run's server logs
    shutil.rmtree(logdir, ignore_errors=True)
    os.makedirs(logdir)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda s, f: sys.exit(128 + s))
    t_begin = time.time()

    if not ECHO.start():
        sys.exit("run.py: echod did not start")
    make_cert()
    C = contenders()
    skipped = ["%s (%s)" % (c.label, c.why) for c in C.values()
               if not c.avail]
    for k, c in C.items():
        for s in SCENARIOS + EXTRA:
            if k in s[4]:
                results[(s[0], k)] = []

    note("bench: %d round(s); bulk %.1fs, ping-pong %.1fs, connect %.1fs; "
         "logs in %s" % (ROUNDS, BULK_SECS, PP_SECS, CONN_SECS, logdir))
    for rnd in range(ROUNDS):
        for skey, title, args, secs, keys in SCENARIOS + EXTRA:
            keys = [k for k in keys if C[k].avail]
            shift = rnd % len(keys)
            for k in keys[shift:] + keys[:shift]:
                kv = one_run(skey, C[k], args, secs)
                results[(skey, k)].append(kv)
                fig = kv.get("mbps") or kv.get("rate") or "-"
                note("  round %d/%d %-8s %-26s %-8s %s %s" % (
                    rnd + 1, ROUNDS, skey, C[k].label, kv.get("status"),
                    fig, kv.get("error", "")))
        for c in C.values():      # fresh processes for the next round
            c.stop()

    # idle memory: one run each, fresh server
    idle = {}
    for k in ("wsbridge", "wsbridge-prog", "websocketd"):
        if C[k].avail:
            idle[k] = idle_run(C[k], IDLE_PROG_CONNS if C[k].program
                               else IDLE_CONNS)
            note("  idle %-26s %s rss+%s KiB kids=%s %s" % (
                C[k].label, idle[k].get("status"), idle[k].get("rss"),
                idle[k].get("kids"), idle[k].get("error", "")))

    # program mode: PROG_BYTES through cat, verified, must not stall
    big = {}
    for k in ("wsbridge-prog", "websocketd"):
        if C[k].avail and C[k].start():
            big[k] = wsload(C[k], ["--mode", "bulk", "-c", "1", "--bytes",
                                   PROG_BYTES], 180)
            C[k].stop()
            note("  %s %-26s %s %s MB/s %s" % (
                PROG_BYTES, C[k].label, big[k].get("status"),
                big[k].get("mbps"), big[k].get("error", "")))
    ECHO.stop()
    cleanup()
    report(C, idle, big, skipped, nofile, time.time() - t_begin)


def extra_sections(w, C, med):
    """TLS and permessage-deflate: wsbridge against itself without them."""
    for skey, title, args, secs, keys in EXTRA:
        for k in keys:
            for r in results.get((skey, k), []):
                if "cpu" in r and float(r.get("echoed", 0)) > 0:
                    r["cpus_gb"] = r["cpu"] / (float(r["echoed"]) / 1e9)
            for m in ("mbps", "cpus_gb", "wire_per_byte_tx",
                      "wire_per_byte_rx"):
                med[(skey, m, k)] = median_of(results.get((skey, k), []), m)

    def ratio(a, b):
        return "%.2fx" % (a / b) if a is not None and b else "-"

    def status(skey, k):
        runs = results.get((skey, k), [])
        bad = [r["status"] for r in runs if r.get("status") != "ok"]
        if not bad:
            return ""
        return "%d/%d runs %s" % (len(bad), len(runs),
                                  ",".join(sorted(set(bad))))

    def na(k):
        return "%-30s n/a (%s)" % (C[k].label, C[k].why)

    # TLS: the plain figures are bulk1/bulk16 of this very run
    plain_of = {"wsbridge-tls": "wsbridge", "websockify-tls": "websockify"}
    for skey, bkey in (("tls1", "bulk1"), ("tls16", "bulk16")):
        title = [x[1] for x in EXTRA if x[0] == skey][0]
        w("== %s" % title)
        w("%-30s %9s %10s %12s %9s %9s  %s" % (
            "contender", "MB/s", "vs plain", "vs wsk TLS", "CPU s/GB",
            "vs plain", "detail"))
        for k in ("wsbridge-tls", "websockify-tls"):
            if not C[k].avail:
                w(na(k))
                continue
            mb = med.get((skey, "mbps", k))
            cpu = med.get((skey, "cpus_gb", k))
            pk = plain_of[k]
            w("%-30s %9s %10s %12s %9s %9s  %s" % (
                C[k].label, fmt_num(mb) if mb is not None else "failed",
                ratio(mb, med.get((bkey, "mbps", pk))),
                ratio(mb, med.get((skey, "mbps", "websockify-tls")))
                if k == "wsbridge-tls" else "",
                fmt_num(cpu), ratio(cpu, med.get((bkey, "cpus_gb", pk))),
                status(skey, k)))
        w("  (vs plain: the same server without TLS, %s in this run: "
          "MB/s, and CPU s/GB where lower is better)" % bkey)
        w("")

    labels = {"wsbridge": "wsbridge, no deflate"}
    for skey in ("dfl-text", "dfl-rand"):
        ent = [x for x in EXTRA if x[0] == skey][0]
        title, keys = ent[1], ent[4]
        w("== %s" % title)
        w("%-30s %9s %10s %9s %9s %11s %10s %10s  %s" % (
            "contender", "MB/s", "vs plain", "CPU s/GB", "vs plain",
            "wire/B out", "wire/B in", "wire vs", "detail"))
        w("%-30s %9s %10s %9s %9s %11s %10s %10s" % (
            "", "", "", "", "", "", "", "plain"))
        w0 = [med.get((skey, m, "wsbridge")) for m in
              ("wire_per_byte_tx", "wire_per_byte_rx")]
        for k in keys:
            if not C[k].avail:
                w(na(k))
                continue
            mb = med.get((skey, "mbps", k))
            cpu = med.get((skey, "cpus_gb", k))
            wt = med.get((skey, "wire_per_byte_tx", k))
            wr = med.get((skey, "wire_per_byte_rx", k))
            wv = ratio(wt + wr, w0[0] + w0[1]) if None not in (
                wt, wr, w0[0], w0[1]) else "-"
            w("%-30s %9s %10s %9s %9s %11s %10s %10s  %s" % (
                labels.get(k, C[k].label),
                fmt_num(mb) if mb is not None else "failed",
                ratio(mb, med.get((skey, "mbps", "wsbridge"))),
                fmt_num(cpu), ratio(cpu, med.get((skey, "cpus_gb",
                                                   "wsbridge"))),
                "%.4f" % wt if wt is not None else "-",
                "%.4f" % wr if wr is not None else "-", wv,
                status(skey, k)))
        w("  (MB/s of payload, echoed and verified; vs plain: / the "
          "no-deflate row (throughput cost);")
        w("   wire/B: bytes on wsload's socket per payload byte, whole run "
          "-- out: client->wsbridge,")
        w("   compressed by wsload at zlib level 6; in: wsbridge->client, "
          "compressed by wsbridge at its level;")
        w("   wire vs plain: (out + in) / the no-deflate row's (out + in))")
        w("")


SPREAD_MAX = 2.0      # max / min of a contender's rounds beyond this: flagged


def spread_section(w, C):
    """Each contender's rounds side by side, max / min: a median hides a
    contender that stalls in some rounds and not others.  Returns the
    figures whose rounds spread more than SPREAD_MAX (None: one round)."""
    wide, lines = [], []
    for skey, title, args, secs, keys in SCENARIOS + EXTRA:
        for k in keys:
            runs = [r for r in results.get((skey, k), [])
                    if r.get("status") == "ok"]
            m = "mbps" if runs and "mbps" in runs[0] else "rate"
            vals = [float(r[m]) for r in runs if m in r]
            if len(vals) < 2 or min(vals) <= 0:
                continue
            sp = max(vals) / min(vals)
            flag = "  > %.0fx" % SPREAD_MAX if sp > SPREAD_MAX else ""
            if flag:
                wide.append("%s %s" % (skey, C[k].label))
            lines.append("%-9s %-30s %6.2fx  %s%s" % (
                skey, C[k].label, sp,
                " ".join(fmt_num(v) for v in vals), flag))
    if not lines:
        return None
    w("== rounds: max / min of each contender's figure (MB/s or per s), "
      "every round")
    for line in lines:
        w(line)
    w("")
    return wide


def report(C, idle, big, skipped, nofile, elapsed):
    out = []
    w = out.append
    peer_of = {"wsbridge": "websockify", "wsbridge-w2": "websockify",
               "wsbridge-prog": "websocketd"}
    w("wsbridge benchmark: %d round(s), medians; bulk %gs, ping-pong %gs, "
      "connect %gs; %d CPUs; %.0f s in all" % (
          ROUNDS, BULK_SECS, PP_SECS, CONN_SECS, os.cpu_count(), elapsed))
    if skipped:
        w("n/a: " + "; ".join(skipped))
    w("")
    hdr = "%-22s %-26s %10s %9s %9s %9s  %s" % (
        "figure", "contender", "median", "vs socat", "vs raw",
        "vs peer", "detail")
    w(hdr)
    w("  (vs socat: socat -b 262144 for bulk, default socat otherwise; vs "
      "peer: websockify for")
    w("   wsbridge TCP, websocketd for wsbridge program mode; for "
      "'lower is better' figures")
    w("   a ratio below 1 is the good direction)")
    w("-" * 100)
    med = {}

    def row(title, k, fig, sock, raw, lower, detail, peer=None):
        def ratio(base):
            if fig is None or base is None or base == 0:
                return "-"
            return "%.2fx" % (fig / base)
        c = C[k]
        if not c.avail:
            shown = "%10s  n/a (%s)" % ("-", c.why)
            w("%-22s %-26s %s" % (title, c.label, shown))
            return
        pk = peer_of.get(k)
        pv = peer if pk else None
        w("%-22s %-26s %10s %9s %9s %9s  %s" % (
            title, c.label, fmt_num(fig) if fig is not None else
            "-" if raw is None and k == "raw" else "failed",
            ratio(sock), ratio(raw), ratio(pv) if pk else "", detail))

    for skey, title, args, secs, keys in SCENARIOS:
        bulk = skey.startswith("bulk")
        sockk = "socat256k" if bulk else "socat"
        metrics = [("mbps", "MB/s", False)] if bulk else \
            [("rate", "round trips/s", False), ("p99_us", "p99 us (lower=better)", True)] \
            if skey.startswith("pp") else [("rate", "connections/s", False)]
        if bulk:
            metrics.append(("cpus_gb", "CPU s/GB (lower=better)", True))
        w("== %s" % title)
        for mkey, mname, lower in metrics:
            vals = {}
            for k in keys:
                runs = results.get((skey, k), [])
                if mkey == "cpus_gb":
                    for r in runs:
                        if "cpu" in r and float(r.get("echoed", 0)) > 0:
                            r["cpus_gb"] = r["cpu"] / (float(r["echoed"]) /
                                                       1e9)
                vals[k] = median_of(runs, mkey)
                med[(skey, mkey, k)] = vals[k]
            t = mname
            for k in keys:
                runs = results.get((skey, k), [])
                bad = [r["status"] for r in runs if r.get("status") != "ok"]
                detail = ""
                if mkey == "rate":
                    detail = "p50 %s / p99.9 %s us" % (
                        fmt_num(median_of(runs, "p50_us")),
                        fmt_num(median_of(runs, "p999_us")))
                if mkey == "mbps":
                    detail = ""
                if bad:
                    detail += "  %d/%d runs %s" % (len(bad), len(runs),
                                                   ",".join(sorted(set(bad))))
                peer = vals.get(peer_of.get(k))
                row(t, k, vals[k], vals.get(sockk),
                    vals.get("raw") if mkey != "cpus_gb" else None, lower,
                    detail.strip(), peer)
                t = ""
        w("")

    extra_sections(w, C, med)

    w("== idle: %d connections open (%d in program mode), then all verified"
      % (IDLE_CONNS, IDLE_PROG_CONNS))
    t = "server RSS KiB/conn"
    for k in ("wsbridge", "wsbridge-prog", "websocketd"):
        c = C[k]
        if not c.avail:
            w("%-22s %-26s n/a (%s)" % (t, c.label, c.why))
            t = ""
            continue
        r = idle.get(k, {})
        if r.get("status") != "ok":
            w("%-22s %-26s %10s  %s" % (t, c.label, r.get("status", "failed"),
                                        r.get("error", "")))
        else:
            n = IDLE_PROG_CONNS if c.program else IDLE_CONNS
            per = r["rss"] / n
            med[("idle", k)] = per
            detail = ""
            if c.program:
                detail = ("children: %d, RSS %.0f KiB/conn, PSS %.0f KiB/conn"
                          % (r["kids"], r["kid_rss"] / n, r["kid_pss"] / n))
            w("%-22s %-26s %10s %9s %9s %9s  %s" % (
                t, c.label, "%.2f" % per, "", "", "", detail))
        t = ""
    w("")
    w("== program mode: %s through cat on 1 connection, every byte verified"
      % PROG_BYTES)
    t = "status"
    for k in ("wsbridge-prog", "websocketd"):
        c = C[k]
        if not c.avail:
            w("%-22s %-26s n/a (%s)" % (t, c.label, c.why))
        else:
            r = big.get(k, {"status": "failed"})
            w("%-22s %-26s %10s  %s" % (
                t, c.label, r.get("status"),
                ("%s MB/s, %s bytes echoed" % (r.get("mbps"), r.get("echoed")))
                if r.get("status") == "ok" else r.get("error", "")))
        t = ""
    w("")
    # The targets are set for a full run (medians of ROUNDS rounds of
    # BULK_SECS, 5000 idle connections): a QUICK run shows the figures
    # without judging them.
    wide = spread_section(w, C)
    if QUICK:
        w("targets (QUICK=1: shown, not judged; they are set for a full run):")
    else:
        w("targets:")

    def tgt(name, val, want, ok_if):
        if val is None:
            w("  %-64s n/a" % name)
        elif QUICK:
            w("  %-64s --   (%.2f, want %s)" % (name, val, want))
        else:
            w("  %-64s %s (%.2f, want %s)" % (
                name, "PASS" if ok_if(val) else "FAIL", val, want))

    def ratio(a, b):
        x, y = med.get(a), med.get(b)
        return x / y if x is not None and y else None

    tgt("bulk 1 conn: wsbridge / socat(256 KiB)",
        ratio(("bulk1", "mbps", "wsbridge"), ("bulk1", "mbps", "socat256k")),
        ">= 1.0", lambda v: v >= 1.0)
    tgt("bulk 1 conn: wsbridge / websockify",
        ratio(("bulk1", "mbps", "wsbridge"), ("bulk1", "mbps", "websockify")),
        ">= 3.0", lambda v: v >= 3.0)
    tgt("bulk 16 conns: wsbridge --workers 2 / socat(256 KiB)",
        ratio(("bulk16", "mbps", "wsbridge-w2"),
              ("bulk16", "mbps", "socat256k")), ">= 1.0", lambda v: v >= 1.0)
    for s in ("bulk1", "bulk16"):
        tgt("%s: program mode cat / wsbridge TCP" % s,
            ratio((s, "mbps", "wsbridge-prog"), (s, "mbps", "wsbridge")),
            ">= 0.8", lambda v: v >= 0.8)
    r = big.get("wsbridge-prog")
    w("  %-64s %s" % ("program mode: %s echoed, verified, no stall"
                      % PROG_BYTES, "n/a" if r is None else
                      "PASS" if r.get("status") == "ok" else
                      "FAIL (%s)" % r.get("status")))
    for s in ("pp1", "pp64"):
        tgt("%s: wsbridge round trips/s / socat" % s,
            ratio((s, "rate", "wsbridge"), (s, "rate", "socat")), ">= 1.0",
            lambda v: v >= 1.0)
        tgt("%s: wsbridge p99 / socat p99" % s,
            ratio((s, "p99_us", "wsbridge"), (s, "p99_us", "socat")),
            "<= 1.1", lambda v: v <= 1.1)
        tgt("%s: wsbridge round trips/s / websockify" % s,
            ratio((s, "rate", "wsbridge"), (s, "rate", "websockify")),
            ">= 1.3", lambda v: v >= 1.3)
    tgt("connect: wsbridge program mode / websocketd",
        ratio(("connect", "rate", "wsbridge-prog"),
              ("connect", "rate", "websocketd")), ">= 2.0", lambda v: v >= 2)
    tgt("connect: wsbridge TCP / websockify",
        ratio(("connect", "rate", "wsbridge"),
              ("connect", "rate", "websockify")), ">= 5.0", lambda v: v >= 5)
    for s, b in (("tls1", "bulk1"), ("tls16", "bulk16")):
        tgt("%s: wsbridge TLS / wsbridge TCP (plain, this run)" % s,
            ratio((s, "mbps", "wsbridge-tls"), (b, "mbps", "wsbridge")),
            ">= 0.6", lambda v: v >= 0.6)
    tgt("idle: wsbridge TCP KiB/conn at %d" % IDLE_CONNS,
        med.get(("idle", "wsbridge")), "<= 4", lambda v: v <= 4)
    tgt("idle: wsbridge program mode KiB/conn at %d (children aside)"
        % IDLE_PROG_CONNS,
        med.get(("idle", "wsbridge-prog")), "<= 8", lambda v: v <= 8)
    for s in ("bulk1", "bulk16"):
        tgt("%s: wsbridge CPU s/GB / socat(256 KiB)" % s,
            ratio((s, "cpus_gb", "wsbridge"), (s, "cpus_gb", "socat256k")),
            "<= 1.0", lambda v: v <= 1.0)
    verdict = "PASS" if not wide else "FAIL (%s)" % ", ".join(wide or [])
    w("  %-64s %s" % ("every contender's rounds within 2x (max / min)",
                      "n/a (one round)" if wide is None else
                      "--   (%s)" % verdict if QUICK else verdict))
    if nofile < 20000:
        w("  note: open-file limit is %d, not 20000" % nofile)
    text = "\n".join(out)
    print(text, flush=True)
    with open(os.path.join(OUT, "last-run.txt"), "w") as f:
        f.write(text + "\n")
        for (s, k), runs in sorted(results.items()):
            for r in runs:
                f.write("%s %s %s\n" % (s, k, " ".join(
                    "%s=%s" % x for x in sorted(r.items()))))


if __name__ == "__main__":
    try:
        main()
    finally:
        cleanup()
