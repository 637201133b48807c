# front_helpers.bash - for tests/bats/7x-*.bats (TLS and the HTTP front door),
# on top of helpers.bash: a test PKI made with openssl, the front door client
# (tests/helpers/front_client.py), ports of several listeners, tagged
# backends and a program that prints its environment.

FRONT=$HELPERS/front_client.py

# make_pki DIR: a test CA, a server certificate for localhost and 127.0.0.1
# (server.pem/server.key, CN=localhost), a second one from the same CA
# (server-b.pem/server-b.key, CN=reloaded.localhost), a client certificate
# (client.pem/client.key, CN=client), a CA of strangers with its own client
# (other-client.pem/.key, CN=intruder), an expired server certificate
# (expired.pem, key server.key) and a key that matches nothing (wrong.key).
make_pki() {
	local d=$1 n
	mkdir -p "$d"
	(
		cd "$d" || exit 1
		set -e
		key() { openssl genpkey -algorithm EC \
		    -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
		key ca.key
		openssl req -x509 -new -key ca.key -subj "/CN=wsbridge test CA" \
		    -days 3 -out ca.pem 2>/dev/null
		key other-ca.key
		openssl req -x509 -new -key other-ca.key \
		    -subj "/CN=stranger CA" -days 3 -out other-ca.pem 2>/dev/null
		printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" \
		    "extendedKeyUsage=serverAuth" >server.ext
		printf '%s\n' "extendedKeyUsage=clientAuth" >client.ext
		for n in server server-b client other-client wrong; do
			key "$n.key"
		done
		sign() {	# name CN ca days ext
			openssl req -new -key "$1.key" -subj "/CN=$2" \
			    -out "$1.csr" 2>/dev/null
			openssl x509 -req -in "$1.csr" -CA "$3.pem" \
			    -CAkey "$3.key" -CAcreateserial -days "$4" \
			    -extfile "$5" -out "$1.pem" 2>/dev/null
		}
		sign server localhost ca 3 server.ext
		sign server-b reloaded.localhost ca 3 server.ext
		sign client client ca 3 client.ext
		sign other-client intruder other-ca 3 client.ext
		# -days -1: not after one day before now, already expired.
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
		    -CAcreateserial -days -1 -extfile server.ext \
		    -out expired.pem 2>/dev/null
	)
}

# fc CMD TARGET ARGS...: tests/helpers/front_client.py, bounded in time.
fc() {
	timeout 60 "$PY" "$FRONT" "$@"
}

# fws ARGS...: tests/helpers/front_ws.js (the npm "ws" client).
fws() {
	NODE_PATH=$ROOT/tests/node_modules timeout 60 node \
	    "$HELPERS/front_ws.js" "$@"
}

# listen_port N [LOG]: the port of the Nth "listening on" line (1-based).
listen_port() {
	sed -En "s/^($LOG_TS)?wsbridge: info: listening on //p" "${2:-$T/server.log}" |
	    sed -n "${1}p" | sed 's/ .*//; s/.*://'
}

# wait_listening N [LOG]: until the log has N "listening on" lines.
wait_listening() {
	wait_for 10 eval "[ \$(grep -c 'info: listening on ' \
	    '${2:-$T/server.log}') -ge $1 ]"
}

# count_lines FILE REGEX: how many lines of FILE match.
count_lines() {
	grep -Ec -- "$2" "$1" 2>/dev/null || true
}

# env_script PATH: a program that prints the request variables the front
# door sets, one "NAME=value" line each (unset ones as "NAME=<unset>").
env_script() {
	cat >"$1" <<'SH'
#!/bin/sh
for v in REMOTE_ADDR REMOTE_PORT REMOTE_USER AUTH_TYPE HTTPS \
    SSL_CLIENT_S_DN SSL_CLIENT_VERIFY SCRIPT_NAME PATH_INFO QUERY_STRING \
    HTTP_X_FORWARDED_FOR; do
	eval "set -- \"\${$v-<unset>}\""
	printf '%s=%s\n' "$v" "$1"
done
SH
	chmod +x "$1"
}

# start_tag_backend TAG: tests/helpers/tag_backend.py on a free port; sets
# TAG_PORT.
start_tag_backend() {
	bg "tag-$1" "$PY" "$HELPERS/tag_backend.py" "$1" \
	    --port-file "$T/tag-$1.port" --timeout 120
	wait_for 10 test -s "$T/tag-$1.port"
	TAG_PORT=$(cat "$T/tag-$1.port")
}

# status_of ARGS...: the status code of the answer front_client.py head
# gets with ARGS.
status_of() {
	fc head "$@" | head -n 1 | awk '{ print $2 }'
}

# start_front ARGS...: start_wsbridge, with PORT stripped of the " (TLS)"
# that a TLS listener's "listening on" line carries.
start_front() {
	start_wsbridge "$@" || return 1
	PORT=${PORT%% *}
}

# start_named NAME ARGS...: like start_wsbridge, for a second server: its
# stderr in $T/NAME.log; sets NAMED_PORT and NAMED_PID.
start_named() {
	local name=$1; shift
	"$WSBRIDGE" "$@" 2>"$T/$name.log" >/dev/null 3>&- &
	NAMED_PID=$!
	PIDS+=("$NAMED_PID")
	wait_for 10 log_has "$T/$name.log" "info: listening on " || {
		cat "$T/$name.log" >&2
		return 1
	}
	NAMED_PORT=$(listen_port 1 "$T/$name.log")
}

# free_port: a TCP port on 127.0.0.1 that nothing listened on just now, for
# programs that cannot be told to pick one (nginx, HAProxy, Xvnc).
free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# port_open PORT: true when something accepts on 127.0.0.1:PORT.
port_open() {
	"$PY" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$1" 2>/dev/null
}

# start_nginx PORT: a real nginx on 127.0.0.1:PORT, its server block's
# directives (from stdin, after "listen") in a configuration of its own in
# $T; returns once it accepts connections.
start_nginx() {
	local np=$1
	mkdir -p "$T/nginx"
	{
		cat <<-EOF
		daemon off;
		worker_processes 1;
		pid $T/nginx.pid;
		error_log $T/nginx-error.log info;
		events { worker_connections 64; }
		http {
		    access_log $T/nginx-access.log;
		    client_body_temp_path $T/nginx/body;
		    proxy_temp_path $T/nginx/proxy;
		    fastcgi_temp_path $T/nginx/fastcgi;
		    uwsgi_temp_path $T/nginx/uwsgi;
		    scgi_temp_path $T/nginx/scgi;
		    server {
		EOF
		cat
		printf '    }\n}\n'
	} >"$T/nginx.conf"
	nginx -t -q -p "$T/nginx" -c "$T/nginx.conf" -e "$T/nginx-error.log"
	bg nginx nginx -p "$T/nginx" -c "$T/nginx.conf" -e "$T/nginx-error.log"
	wait_for 10 port_open "$np"
}
