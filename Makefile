# wsbridge - WebSocket bridge.  Plain make, one binary.

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
DESTDIR	?=

CC	?= cc
# make V=1 shows the whole commands
Q	 = $(if $(V),,@)
PKGS	 = libev openssl json-c
# One package at a time: libev ships no .pc file on Debian 12, and one
# missing package would empty the whole list.
PKG_CFLAGS := $(foreach p,$(PKGS),$(shell pkg-config --cflags $(p) 2>/dev/null))
PKG_LIBS   := $(shell pkg-config --libs openssl 2>/dev/null || echo -lssl -lcrypto) \
	   $(shell pkg-config --libs json-c 2>/dev/null || echo -ljson-c) \
	   -lev -lcrypt -lz -pthread

WERROR	?= -Werror
WARN	 = -Wall -Wextra $(WERROR) -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wformat=2 -Wvla -Wpointer-arith -Wcast-qual \
	   -Wwrite-strings
# The pure modules are also held to sign and conversion warnings.
PURE_WARN = -Wconversion -Wsign-conversion
# What dpkg-buildflags gives a Debian 12 package.
HARDEN	 = -fstack-protector-strong -fstack-clash-protection \
	   -D_FORTIFY_SOURCE=2 -fcf-protection -fPIE
HARDEN_LD = -pie -Wl,-z,relro -Wl,-z,now
OPT	?= -O2 -g
CFLAGS_ALL = -std=c11 -D_GNU_SOURCE $(WARN) $(OPT) $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS_ALL = $(LDFLAGS)

VERSION	 = $(shell cat VERSION)

PURE	 = utf8 ws_frame ws_msg b64 http handshake cgi_env proxy mime \
	   netaddr origin tokens pmd frontdoor ws_recv conntab throttle \
	   fdbudget buf pipe bridge ttyproto term_page
IO	 = main config log server listen conn conn_phase conn_http \
	   conn_ws backend \
	   backend_tcp backend_proc backend_pty progroup program backend_stdio worker static auth authpool conn_auth \
	   tokenfile snapshot generation \
	   transport transport_tls resolve quota preflight
SRCS	 = $(PURE:%=src/%.c) $(IO:%=src/%.c)
UNITS	 = $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))
FUZZERS	 = $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))

B	 = build
A	 = build/asan
F	 = build/fuzz

ASAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer -O1 -g

.PHONY: all deps demo check lint unit asan-unit bats asan-bats e2e fuzz \
	fuzz-smoke clean check-package check-asan check-build bench-tools \
	install bench deb

all: wsbridge

wsbridge: $(SRCS:src/%.c=$(B)/%.o) $(B)/term_assets.o
	@echo "  LD      $@"
	$(Q)$(CC) $(HARDEN_LD) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

$(B)/%.o: src/%.c src/*.h VERSION Makefile | $(B)
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS_ALL) $(HARDEN) $(if $(filter $*,$(PURE)),$(PURE_WARN)) \
	    -DWSB_VERSION='"$(VERSION)"' -c -o $@ $<

$(B) $(A) $(F):
	mkdir -p $@

# The terminal page (term/): its own files and xterm.js with its fit addon
# from npm (term/package-lock.json, installed by make deps), built into the
# binary as C arrays written by xxd -i (portable C, unlike ld -b binary's
# objects, whose format and symbol names depend on the toolchain).
TERM_NPM   = term/node_modules/@xterm
TERM_FILES = index.html=term/index.html term.js=term/term.js \
	     xterm.js=$(TERM_NPM)/xterm/lib/xterm.js \
	     xterm.css=$(TERM_NPM)/xterm/css/xterm.css \
	     addon-fit.js=$(TERM_NPM)/addon-fit/lib/addon-fit.js
TERM_SRCS  = $(foreach f,$(TERM_FILES),$(lastword $(subst =, ,$(f))))

$(TERM_NPM)/%:
	@echo "make: $@ is missing: run 'make deps' (npm ci in term/)" >&2
	@exit 1

$(B)/term_assets.c: term/embed.sh $(TERM_SRCS) Makefile | $(B)
	@echo "  GEN     $@"
	$(Q)term/embed.sh $@ $(TERM_FILES)

$(B)/term_assets.o: $(B)/term_assets.c src/term_page.h
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS_ALL) $(HARDEN) -Isrc -c -o $@ $<

# Data only: nothing to instrument.
$(A)/term_assets.o: $(B)/term_assets.c src/term_page.h | $(A)
	@echo "  CC asan $<"
	$(Q)$(CC) -std=c11 $(WARN) -O0 -Isrc -c -o $@ $<

# Unit tests link the pure modules.  A test of a module that is not pure
# (it reads files, logs) names the other modules it needs in
# test_NAME_OBJS; they become prerequisites of both builds of the test
# (secondary expansion, on for every rule below: the stem names the
# variable) and are linked.  snapshot.c makes TLS contexts: transport_tls.
test_auth_OBJS	   = auth
test_tokenfile_OBJS = tokenfile log
test_snapshot_OBJS = snapshot generation config preflight auth tokenfile log \
		     transport_tls transport
test_term_page_OBJS = term_assets

.SECONDEXPANSION:
$(B)/%: tests/unit/%.c tests/unit/unit.h $(PURE:%=$(B)/%.o) \
    $$(addprefix $(B)/,$$(addsuffix .o,$$($$*_OBJS)))
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS_ALL) -Isrc -o $@ $< $(filter %.o,$^) $(PKG_LIBS)

$(A)/%.o: src/%.c src/*.h VERSION Makefile | $(A)
	@echo "  CC asan $<"
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE $(WARN) $(ASAN_FLAGS) $(PKG_CFLAGS) \
	    -DWSB_VERSION='"$(VERSION)"' -c -o $@ $<

$(A)/%: tests/unit/%.c tests/unit/unit.h $(PURE:%=$(A)/%.o) \
    $$(addprefix $(A)/,$$(addsuffix .o,$$($$*_OBJS)))
	@echo "  CC asan $<"
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE $(WARN) $(ASAN_FLAGS) $(PKG_CFLAGS) -Isrc \
	    -o $@ $< $(filter %.o,$^) $(PKG_LIBS)

$(A)/wsbridge: $(SRCS:src/%.c=$(A)/%.o) $(A)/term_assets.o
	@echo "  LD asan $@"
	$(Q)$(CC) $(ASAN_FLAGS) -o $@ $^ $(PKG_LIBS)

unit: $(UNITS:%=$(B)/%)
	@tests/run-suite unit $^

asan-unit: $(UNITS:%=$(A)/%)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1 tests/run-suite asan-unit $^

# The end-to-end suite: every tests/bats file but 90-package (make
# check-package).  80-limits drives the server with bench/'s tools.
bats: wsbridge bench-tools
	@tests/run-suite bats

# The same files against an ASan+UBSan build of the server; any sanitizer
# report fails it.
asan-bats: $(A)/wsbridge bench-tools
	@WSBRIDGE=$(CURDIR)/$(A)/wsbridge tests/run-suite asan-bats

# Both at once: the tests mostly wait on the network and on timers, so the
# two runs share two cores well.  -O keeps each run's output together.
# No call cycle between source files: each module calls only those below.
lint:
	@tests/run-suite lint $(SRCS)

e2e: wsbridge $(A)/wsbridge bench-tools
	@$(MAKE) --no-print-directory -j2 -O -k bats asan-bats

bench-tools:
	@$(MAKE) --no-print-directory -s -C bench wsload echod

# Fuzz targets: clang's libFuzzer with ASan and UBSan.
# Keep the instrumented objects between runs.
.SECONDARY:

FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -g -O1 -Isrc $(PKG_CFLAGS) \
	    -DWSB_VERSION='"$(VERSION)"'

# The pure modules are built once, instrumented, and linked into each
# target.
$(F)/obj/%.o: src/%.c src/*.h | $(F)
	@mkdir -p $(F)/obj
	@echo "  CC fuzz $<"
	$(Q)clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined \
	    -c -o $@ $<

$(F)/%: tests/fuzz/%.c $(PURE:%=$(F)/obj/%.o) | $(F)
	@echo "  FUZZ    $<"
	$(Q)clang $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined \
	    -o $@ $< $(PURE:%=$(F)/obj/%.o) $(PKG_LIBS)

# The configuration parser is not pure (it reads a file): its own rule.
$(F)/fuzz_config: tests/fuzz/fuzz_config.c $(F)/obj/config.o $(F)/obj/log.o
	@echo "  FUZZ    $<"
	$(Q)clang $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined \
	    -o $@ $< $(F)/obj/config.o $(F)/obj/log.o

FUZZ_SECONDS ?= 60
fuzz: $(FUZZERS:%=$(F)/%)
	@for f in $(FUZZERS); do \
	    echo "fuzz: $$f for $(FUZZ_SECONDS)s"; \
	    mkdir -p $(F)/corpus/$$f; \
	    $(F)/$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	        $(F)/corpus/$$f tests/fuzz/corpus/$$f || exit 1; \
	done

# A short run of every fuzz target, counted as one test each.
fuzz-smoke: $(FUZZERS:%=$(F)/%)
	@tests/run-suite fuzz $^

# Everything make check runs, built first (two jobs), so that no suite
# waits for a build or races another for one.
check-build:
	@$(MAKE) --no-print-directory -j2 wsbridge $(A)/wsbridge \
	    $(UNITS:%=$(B)/%) $(UNITS:%=$(A)/%) $(FUZZERS:%=$(F)/%) bench-tools

# The closing line is the sum over every suite: "N passed, N failed,
# N skipped" (tests/run-suite).
check:
	@rm -f $(B)/results
	@$(MAKE) --no-print-directory check-build; \
	    $(MAKE) --no-print-directory -k lint unit asan-unit fuzz-smoke e2e; \
	    tests/run-suite total

# Only the sanitizer suites: the unit tests and every bats file against the
# ASan+UBSan server.
check-asan:
	@rm -f $(B)/results
	@$(MAKE) --no-print-directory -k asan-unit asan-bats; \
	    tests/run-suite total asan-unit asan-bats

deps:
	tests/deps.sh

demo: wsbridge
	tests/demo.sh

install: wsbridge
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 wsbridge $(DESTDIR)$(BINDIR)/wsbridge
	install -m 0644 docs/wsbridge.1 $(DESTDIR)$(MANDIR)/man1/wsbridge.1

# The Debian package (packaging/), into build/deb/.
deb:
	packaging/build-deb.sh

# Build the package, lintian it, check its contents and run its binary
# (tests/bats/90-package.bats; slow, so not part of make check).
check-package: wsbridge
	bats --tap tests/bats/90-package.bats

clean:
	rm -rf $(B) wsbridge

# Benchmarks against raw TCP, socat, websockify and websocketd (bench/).
bench:
	$(MAKE) -C bench run
