# capsuled: one Makefile. Targets: all run test fuzz bench install
# uninstall lint clean. "make run" and "make test" first install what a
# fresh Debian 12 machine lacks (as root, via apt-get, only when missing).

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/sbin
MANDIR	?= $(PREFIX)/share/man
DESTDIR	?=

CC	?= cc
PKGS	 = openssl libevent_core libmagic
OPT	?= -O2
CFLAGS	?= $(OPT) -g
WARN	 = -std=c17 -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes \
	   -Wmissing-prototypes -Wno-unused-parameter $(WERROR)
CPPFLAGS += -D_GNU_SOURCE -MMD -MP
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

# Where "make run" serves from and listens.
RUN_HOST ?= localhost
RUN_ARGS ?= --host $(RUN_HOST) --gemini localhost:1965 --gopher localhost:7070 \
	   --certs certs capsule

B	 = build
SRCS	 = $(wildcard src/*.c)
LIBSRCS	 = $(filter-out src/main.c,$(SRCS))
OBJS	 = $(SRCS:src/%.c=$(B)/%.o)
LIBOBJS	 = $(LIBSRCS:src/%.c=$(B)/%.o)
UNITS	 = $(patsubst tests/unit/%.c,$(B)/%,$(wildcard tests/unit/test_*.c))
CLIENT	 = $(B)/capget

# The sanitizer build used by "make test".
S	 = build/san
SANFLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined
SOBJS	 = $(SRCS:src/%.c=$(S)/%.o)
SLIBOBJS = $(LIBSRCS:src/%.c=$(S)/%.o)
SUNITS	 = $(patsubst tests/unit/%.c,$(S)/%,$(wildcard tests/unit/test_*.c))

FUZZERS	 = $(patsubst tests/fuzz/%.c,build/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 20

.PHONY: all run test unit integration fuzz fuzz-smoke bench install uninstall \
	lint clean deps test-deps

all: $(B)/capsuled $(CLIENT)

$(B)/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(WARN) $(CFLAGS) -c $< -o $@

$(B)/capsuled: $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(PKG_LIBS)

$(B)/capget: tests/capget.c tests/capget_parse.c tests/capget.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(WARN) $(CFLAGS) -o $@ tests/capget.c \
	    tests/capget_parse.c $(shell pkg-config --libs openssl)

# Benchmark tools: a load generator, and the OpenSSL handshake ceiling.
$(B)/loadgen: tests/bench/loadgen.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(WARN) $(CFLAGS) -pthread -o $@ $< \
	    $(shell pkg-config --libs openssl)

$(B)/hsbench: tests/bench/hsbench.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(WARN) $(CFLAGS) -o $@ $< \
	    $(shell pkg-config --libs openssl)

$(B)/test_%: tests/unit/test_%.c tests/unit/check.h tests/unit/config_util.h $(LIBOBJS)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) -Isrc $(WARN) $(CFLAGS) -o $@ $< \
	    $(LIBOBJS) $(PKG_LIBS)

$(S)/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(WARN) $(SANFLAGS) -c $< -o $@

$(S)/capsuled: $(SOBJS)
	$(CC) $(SANFLAGS) -o $@ $(SOBJS) $(PKG_LIBS)

$(S)/test_%: tests/unit/test_%.c tests/unit/check.h tests/unit/config_util.h $(SLIBOBJS)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) -Isrc $(WARN) $(SANFLAGS) -o $@ $< \
	    $(SLIBOBJS) $(PKG_LIBS)

# Fuzzers: the library objects are built once with coverage, then linked
# into each target.
FUZZFLAGS = -g -O1 -fsanitize=fuzzer-no-link,address,undefined
FOBJS	 = $(LIBSRCS:src/%.c=build/fuzz/%.o)

build/fuzz/%.o: src/%.c
	@mkdir -p $(@D)
	clang $(CPPFLAGS) $(PKG_CFLAGS) $(FUZZFLAGS) -c $< -o $@

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FOBJS)
	@mkdir -p $(@D)
	clang $(CPPFLAGS) $(PKG_CFLAGS) -Isrc -g -O1 \
	    -fsanitize=fuzzer,address,undefined -o $@ $< $(FOBJS) $(PKG_LIBS)

deps:
	@sh tests/deps.sh build

test-deps:
	@sh tests/deps.sh test

run: deps
	@$(MAKE) --no-print-directory all
	./$(B)/capsuled $(RUN_ARGS)

# Every test, under AddressSanitizer and UBSan; ends with "N passed, N failed".
test: test-deps
	@$(MAKE) --no-print-directory all $(S)/capsuled $(SUNITS) $(B)/loadgen
	@if command -v clang >/dev/null; then \
	    $(MAKE) --no-print-directory $(FUZZERS); fi
	@sh tests/run.sh

fuzz: $(FUZZERS)
	@for f in $(FUZZERS); do n=$${f##*/fuzz_}; \
	    mkdir -p tests/fuzz/corpus/$$n; \
	    $$f -max_total_time=$(FUZZ_SECONDS) -timeout=5 \
	        tests/fuzz/corpus/$$n || exit 1; done

# Load tests capsuled and other Gemini and Gopher servers on this machine
# (as root: it installs the missing ones), then writes BENCHMARKS.md.
bench: deps
	@$(MAKE) --no-print-directory all $(B)/loadgen $(B)/hsbench
	@bash tests/bench.sh

lint:
	mandoc -Tlint -Wwarning doc/capsuled.8 doc/capsuled.conf.5 \
	    doc/capsuled-site.5

# Never touches /etc: the unit goes where systemd looks for local ones
# ($(PREFIX)/lib/systemd/system), with the installed binary's path.
UNITDIR	?= $(PREFIX)/lib/systemd/system
DOCDIR	?= $(PREFIX)/share/doc/capsuled

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR)
	install -m 0755 $(B)/capsuled $(DESTDIR)$(BINDIR)/capsuled
	install -m 0644 doc/capsuled.8 $(DESTDIR)$(MANDIR)/man8/capsuled.8
	install -m 0644 doc/capsuled.conf.5 doc/capsuled-site.5 \
	    $(DESTDIR)$(MANDIR)/man5/
	sed 's|/usr/local/sbin/capsuled|$(BINDIR)/capsuled|g' \
	    doc/capsuled.service >$(DESTDIR)$(UNITDIR)/capsuled.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/capsuled.service
	install -m 0644 doc/capsuled.conf.example $(DESTDIR)$(DOCDIR)/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/capsuled $(DESTDIR)$(MANDIR)/man8/capsuled.8 \
	    $(DESTDIR)$(MANDIR)/man5/capsuled.conf.5 \
	    $(DESTDIR)$(MANDIR)/man5/capsuled-site.5 \
	    $(DESTDIR)$(UNITDIR)/capsuled.service \
	    $(DESTDIR)$(DOCDIR)/capsuled.conf.example
	-rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null

clean:
	rm -rf build

-include $(OBJS:.o=.d) $(SOBJS:.o=.d) $(FOBJS:.o=.d)
