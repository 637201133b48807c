# Goal: real browsers through wsbridge: headless Chromium runs a page from --static that talks to a program route, and noVNC from Debian's package shows a real VNC server's screen over wss://.

load helpers
load front_helpers

setup_file() {
	make_pki "$BATS_FILE_TMPDIR/pki"
}

setup() {
	T=$BATS_TEST_TMPDIR
	need_server
	P=$BATS_FILE_TMPDIR/pki
	need_tool chromium chromium
	CHROMIUM=$(command -v chromium)
}

# chrome ARGS... URL: headless Chromium, bounded, its own profile in $T, its
# stderr in $T/chromium.log.  It exits by itself once the page is dumped or
# the screenshot taken.
chrome() {
	timeout -k 5 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
	    --disable-quic --no-first-run --disable-background-networking \
	    --disable-component-update --disable-sync \
	    --disable-dev-shm-usage --user-data-dir="$T/profile" "$@" \
	    2>>"$T/chromium.log" 3>&-
}

@test "a page from --static computes 2+3*4 with bc over a WebSocket route" {
	need_file /usr/bin/bc bc
	mkdir "$T/www"
	cat >"$T/www/index.html" <<-'EOF'
	<!doctype html><title>calc</title>
	<div id="out">waiting</div>
	<script>
	const out = document.getElementById("out");
	const ws = new WebSocket(`ws://${location.host}/calc`);
	ws.onopen = () => ws.send("2+3*4");
	ws.onmessage = (e) => { out.textContent = "answer=" + e.data; ws.close(); };
	ws.onerror = () => { out.textContent = "websocket error"; };
	</script>
	EOF
	start_wsbridge --listen 127.0.0.1:0 --static "$T/www" \
	    --route "/calc=/usr/bin/bc -q"
	# Virtual time does not wait for a WebSocket: on a loaded machine the
	# DOM may be dumped before the answer came, so up to three tries.
	local try
	for try in 1 2 3; do
		run chrome --virtual-time-budget=5000 --dump-dom \
		    "http://127.0.0.1:$PORT/"
		echo "try $try: $output"
		[[ $output == *'<div id="out">answer=14</div>'* ]] && break
	done
	[[ $output == *'<div id="out">answer=14</div>'* ]]
	log_has "$T/server.log" "GET / 200 "
	log_has "$T/server.log" "open peer=127\.0\.0\.1:[0-9]+ path=/calc backend=/usr/bin/bc"
}

@test "noVNC over wss:// shows the VNC server's green root window" {
	need_file /usr/share/novnc/vnc.html novnc
	need_tool Xvnc tigervnc-standalone-server
	need_tool xsetroot x11-xserver-utils
	local d vp
	vp=$(free_port)
	# -displayfd: the server takes the first free display itself and
	# writes its number once it accepts clients (a number picked here
	# could be taken meanwhile by another run of the suite).
	bg xvnc Xvnc -displayfd 1 -SecurityTypes None -rfbport "$vp" -localhost \
	    -nolisten tcp -geometry 320x240 -depth 24
	wait_for 15 test -s "$T/xvnc.out"
	d=$(tr -dc 0-9 <"$T/xvnc.out")
	wait_for 15 port_open "$vp"
	DISPLAY=:$d timeout 10 xsetroot -solid '#00ff00'
	start_front --tls-cert "$P/server.pem" --tls-key "$P/server.key" \
	    --listen 127.0.0.1:0 --static /usr/share/novnc \
	    --connect "127.0.0.1:$vp"
	local q="autoconnect=true&host=127.0.0.1&port=$PORT&encrypt=1"
	q+="&path=websockify&resize=scale"
	# resize=scale: the remote screen fills the window, so its centre is
	# the centre of the screenshot.  The page gets a 10 s virtual-time
	# budget; on a loaded machine the first screenshot may come before the
	# first frame, so up to three tries (each bounded by chrome's timeout).
	local try
	for try in 1 2 3; do
		rm -f "$T/shot.png"
		chrome --ignore-certificate-errors --window-size=640,480 \
		    --virtual-time-budget=10000 --screenshot="$T/shot.png" \
		    "https://127.0.0.1:$PORT/vnc.html?$q" || true
		[ -s "$T/shot.png" ] || continue
		run "$PY" "$HELPERS/png_pixel.py" "$T/shot.png" 320,240 \
		    300,220 340,260
		echo "try $try: $output"
		[ "${lines[1]}" = "320,240 #00ff00" ] && break
	done
	[ "${lines[0]}" = 640x480 ]
	[ "${lines[1]}" = "320,240 #00ff00" ]
	[ "${lines[2]}" = "300,220 #00ff00" ]
	[ "${lines[3]}" = "340,260 #00ff00" ]
	log_has "$T/server.log" "open peer=127\.0\.0\.1:[0-9]+ path=/websockify backend=127\.0\.0\.1:$vp"
}
