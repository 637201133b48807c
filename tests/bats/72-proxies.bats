# Goal: wsbridge behind real proxies on loopback: HAProxy balancing over two instances with PROXY protocol v2, and nginx terminating TLS and forwarding the upgrade with X-Forwarded-For.

load helpers
load front_helpers

setup_file() {
	make_pki "$BATS_FILE_TMPDIR/pki"
}

setup() {
	T=$BATS_TEST_TMPDIR
	need_server
	P=$BATS_FILE_TMPDIR/pki
}

@test "HAProxy with send-proxy-v2 over two instances: both get clients, programs see the real address and port" {
	need_tool haproxy haproxy
	env_script "$T/env.sh"
	start_named ws1 --listen 127.0.0.1:0,proxy -- "$T/env.sh"
	local p1=$NAMED_PORT
	start_named ws2 --listen 127.0.0.1:0,proxy -- "$T/env.sh"
	local p2=$NAMED_PORT
	local hp
	hp=$(free_port)
	cat >"$T/haproxy.cfg" <<-EOF
	global
	    pidfile $T/haproxy.pid
	defaults
	    mode tcp
	    timeout connect 5s
	    timeout client 30s
	    timeout server 30s
	frontend fe
	    bind 127.0.0.1:$hp
	    default_backend be
	backend be
	    balance roundrobin
	    server ws1 127.0.0.1:$p1 send-proxy-v2
	    server ws2 127.0.0.1:$p2 send-proxy-v2
	EOF
	haproxy -c -q -f "$T/haproxy.cfg"
	bg haproxy haproxy -db -f "$T/haproxy.cfg"
	wait_for 10 port_open "$hp"
	run fc lines "$hp" --print-port --repeat 10
	echo "$output"
	[ "$status" -eq 0 ]
	# Each connection: its own source port is the REMOTE_PORT it saw.
	local n=0 src=
	while read -r line; do
		case $line in
		srcport\ *) src=${line#srcport } ;;
		REMOTE_ADDR=*) [ "$line" = REMOTE_ADDR=127.0.0.1 ] ;;
		REMOTE_PORT=*) [ "${line#REMOTE_PORT=}" = "$src" ]; n=$((n + 1)) ;;
		esac
	done <<<"$output"
	[ "$n" -eq 10 ]
	local o1 o2
	o1=$(count_lines "$T/ws1.log" " open peer=127\.0\.0\.1:")
	o2=$(count_lines "$T/ws2.log" " open peer=127\.0\.0\.1:")
	note "ws1: $o1 connections, ws2: $o2"
	[ "$o1" -ge 1 ] && [ "$o2" -ge 1 ] && [ $((o1 + o2)) -eq 10 ]
	# HAProxy's health of the servers is not checked: no bad headers.
	! log_has "$T/ws1.log" "bad PROXY" || false
	! log_has "$T/ws2.log" "bad PROXY" || false
}

@test "nginx terminating TLS in front: wss echo, and the program sees the client from X-Forwarded-For" {
	need_tool nginx nginx-light
	start_backend echo
	env_script "$T/env.sh"
	start_wsbridge --listen 127.0.0.1:0 --trust-proxy 127.0.0.1/32 \
	    --connect "127.0.0.1:$BACKEND_PORT" --route "/env=$T/env.sh" \
	    --log-level debug
	local np
	np=$(free_port)
	start_nginx "$np" <<-EOF
	        listen 127.0.0.1:$np ssl;
	        ssl_certificate $P/server.pem;
	        ssl_certificate_key $P/server.key;
	        location / {
	            proxy_pass http://127.0.0.1:$PORT;
	            proxy_http_version 1.1;
	            proxy_set_header Upgrade \$http_upgrade;
	            proxy_set_header Connection "upgrade";
	            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
	            proxy_set_header X-Forwarded-Proto https;
	            proxy_read_timeout 60s;
	        }
	EOF
	run fc echo "$np" --cafile "$P/ca.pem" --sizes 1,1000,300000
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[3]}" = "close 1000" ]
	# The client comes from 127.0.0.2: not nginx, not trusted.
	run fc lines "$np" --cafile "$P/ca.pem" --path /env --source 127.0.0.2
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx 'REMOTE_ADDR=127.0.0.2' <<<"$output"
	grep -qx 'HTTP_X_FORWARDED_FOR=127.0.0.2' <<<"$output"
	# A client's own X-Forwarded-For is kept in front of nginx's entry,
	# and the address taken is nginx's: the one it saw.
	run fc lines "$np" --cafile "$P/ca.pem" --path /env --source 127.0.0.2 \
	    --header "X-Forwarded-For: 203.0.113.5"
	echo "$output"
	grep -qx 'REMOTE_ADDR=127.0.0.2' <<<"$output"
	grep -qx 'HTTP_X_FORWARDED_FOR=203.0.113.5, 127.0.0.2' <<<"$output"
	log_has "$T/server.log" "forwarded for 127\.0\.0\.2$"
	! log_has "$T/server.log" "open peer=203\.0\.113\.5" || false
}
