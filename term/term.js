// term.js - wsbridge's terminal page: xterm.js on a WebSocket to the program
// behind this page's own address (same path and query, ws: or wss:), with
// the wsbridge-tty subprotocol: binary messages are terminal bytes either
// way, text messages are JSON control messages (resize out, hello in).
// Under any other subprotocol every message is terminal bytes.
// Plain script, no build step; xterm.js and its fit addon are loaded first.
(function () {
	"use strict";

	const PROTO = "wsbridge-tty";
	const RETRY_MIN = 500, RETRY_MAX = 30000;	// ms

	const statusEl = document.getElementById("status");
	const baseTitle = document.title;
	const encoder = new TextEncoder();
	const term = new Terminal({
		cursorBlink: true,
		scrollback: 5000,
		fontFamily: "monospace",
	});
	const fit = new FitAddon.FitAddon();
	let ws = null;
	let retry = RETRY_MIN;
	let readonly = false;
	// The program ended by itself (1000): a new one waits for Enter.
	let ended = false;

	term.loadAddon(fit);
	term.open(document.getElementById("terminal"));
	// For scripts and tests: the terminal and its buffer.
	window.wsbridgeTerm = term;

	function setState(state, text) {
		statusEl.dataset.state = state;
		statusEl.textContent = text;
	}

	// The WebSocket address: this page's own, so that it works under a
	// route's prefix or a proxy's path.
	function socketUrl() {
		const u = new URL(window.location.href);

		u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
		u.hash = "";
		return u.href;
	}

	function control() {
		return ws !== null && ws.readyState === WebSocket.OPEN &&
		    ws.protocol === PROTO;
	}

	function sendResize() {
		if (control())
			ws.send(JSON.stringify({ type: "resize",
			    cols: term.cols, rows: term.rows }));
	}

	function setReadonly(on) {
		readonly = on;
		term.options.disableStdin = on;
		if (ws !== null && ws.readyState === WebSocket.OPEN)
			setState(on ? "readonly" : "open", on ?
			    "connected (read-only: input is not sent)" :
			    "connected");
	}

	function onControl(text) {
		let msg;

		try {
			msg = JSON.parse(text);
		} catch (e) {
			return;
		}
		if (msg === null || typeof msg !== "object")
			return;
		if (msg.type === "hello") {
			setReadonly(msg.readonly === true);
			if (typeof msg.title === "string" && msg.title !== "")
				document.title = msg.title;
		}
		// Other types: not ours to know.
	}

	function send(bytes) {
		if (!readonly && ws !== null && ws.readyState === WebSocket.OPEN)
			ws.send(bytes);
	}

	function connect() {
		setState("connecting", "connecting");
		// "binary" too, for a server without wsbridge-tty: a browser
		// fails a connection whose answer names no subprotocol.  Then
		// every message is terminal bytes and the size stays fixed.
		ws = new WebSocket(socketUrl(), [PROTO, "binary"]);
		ws.binaryType = "arraybuffer";
		ws.onopen = function () {
			retry = RETRY_MIN;
			readonly = false;
			term.options.disableStdin = false;
			setState("open", "connected");
			fit.fit();
			sendResize();
			term.focus();
		};
		ws.onmessage = function (ev) {
			if (typeof ev.data !== "string")
				term.write(new Uint8Array(ev.data));
			else if (ws.protocol === PROTO)
				onControl(ev.data);
			else
				term.write(ev.data);
		};
		ws.onclose = function (ev) {
			const secs = Math.round(retry / 1000 * 10) / 10;

			ws = null;
			if (ev.code === 1000) {
				ended = true;
				setState("ended", "the program ended: press " +
				    "Enter to start it again");
				return;
			}
			setState("closed", "disconnected (" + ev.code +
			    (ev.reason ? " " + ev.reason : "") +
			    "), reconnecting in " + secs + " s");
			window.setTimeout(connect, retry);
			retry = Math.min(retry * 2, RETRY_MAX);
		};
	}

	term.onData(function (data) {
		if (ended) {
			if (data.indexOf("\r") !== -1) {
				ended = false;
				retry = RETRY_MIN;
				connect();
			}
			return;
		}
		send(encoder.encode(data));
	});
	// Some mouse reports are bytes that are not UTF-8 text.
	term.onBinary(function (data) {
		const bytes = new Uint8Array(data.length);

		for (let i = 0; i < data.length; i++)
			bytes[i] = data.charCodeAt(i) & 0xff;
		send(bytes);
	});
	term.onResize(sendResize);
	term.onTitleChange(function (title) {
		document.title = title !== "" ? title : baseTitle;
	});
	window.addEventListener("resize", function () {
		fit.fit();
	});

	fit.fit();
	connect();
})();
