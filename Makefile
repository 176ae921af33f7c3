# SPDX-License-Identifier: GPL-2.0-or-later
#
# sentry - one plain Makefile.
#
#   make              build ./sentry (optimised, -Werror)
#   make check        install missing test packages, build with ASan+UBSan, run every test
#   make demo         install missing packages, build, run the demo (as root)
#   make bench        benchmarks (as root for the namespace parts)
#   make fuzz         libFuzzer harnesses, FUZZ_SECONDS each
#   make install      PREFIX=/usr/local DESTDIR=
#
# Objects of each flavour live apart (build/release, build/asan, ...), so a
# sanitizer build never links an optimised object by mistake.

CC       ?= gcc
PREFIX   ?= /usr/local
DESTDIR  ?=
FUZZ_SECONDS ?= 60
V        ?= 0
ifeq ($(V),0)
Q  := @
QP  = @printf '  %-6s %s\n'
else
Q  :=
QP  = @true
endif

LIBS     := lmdb inih libpcap libmnl libnftables libseccomp libcap-ng
WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wcast-qual -Wformat=2 -Wvla -Werror
BASE_CFLAGS := -std=gnu11 -D_GNU_SOURCE -g -Icommon -Igateway $(WARN) \
            $(shell pkg-config --cflags $(LIBS) 2>/dev/null)
LDLIBS   := $(shell pkg-config --libs $(LIBS) 2>/dev/null) -lpthread

RELEASE_CFLAGS := -O2 -fstack-protector-strong -D_FORTIFY_SOURCE=2
ASAN_CFLAGS    := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
                  -fno-sanitize-recover=undefined

COMMON_SRC  := $(sort $(wildcard common/*.c))
GATEWAY_SRC := $(sort $(filter-out gateway/main.c,$(wildcard gateway/*.c)))
UNIT_SRC    := $(sort $(wildcard test/unit/test_*.c))
BENCH_SRC   := $(sort $(wildcard test/bench/*.c))
HEADERS     := $(wildcard common/*.h gateway/*.h test/unit/*.h)

# $(call objs,FLAVOUR,SOURCES)
objs = $(patsubst %.c,build/$(1)/%.o,$(2))

.PHONY: all check unit demo bench fuzz install uninstall clean deps-test deps-demo analyze
all: sentry

# rename, not copy: a running daemon keeps its binary busy
sentry: build/release/sentry
	$(Q)cp $< $@.tmp && mv -f $@.tmp $@

build/release/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(QP) CC $<
	$(Q)$(CC) $(BASE_CFLAGS) $(RELEASE_CFLAGS) $(CFLAGS) -c -o $@ $<

build/asan/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(QP) CC-ASAN $<
	$(Q)$(CC) $(BASE_CFLAGS) $(ASAN_CFLAGS) $(CFLAGS) -c -o $@ $<

build/release/sentry: $(call objs,release,$(COMMON_SRC) $(GATEWAY_SRC) gateway/main.c)
	$(QP) LD $@
	$(Q)$(CC) $(RELEASE_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

build/asan/sentry: $(call objs,asan,$(COMMON_SRC) $(GATEWAY_SRC) gateway/main.c)
	$(QP) LD $@
	$(Q)$(CC) $(ASAN_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# One unit-test binary per test/unit/test_*.c, linked with everything but main().
build/asan/test/%: build/asan/test/unit/%.o $(call objs,asan,$(COMMON_SRC) $(GATEWAY_SRC))
	@mkdir -p $(dir $@)
	$(QP) LD $@
	$(Q)$(CC) $(ASAN_CFLAGS) -o $@ $^ $(LDLIBS)

UNIT_BINS := $(patsubst test/unit/%.c,build/asan/test/%,$(UNIT_SRC))

unit: $(UNIT_BINS) build/asan/sentry

deps-test:
	@contrib/install-deps.sh test

deps-demo:
	@contrib/install-deps.sh demo

check: deps-test
	$(MAKE) unit
	SENTRY=$(CURDIR)/build/asan/sentry UNIT_DIR=$(CURDIR)/build/asan/test test/run

demo: deps-demo
	$(MAKE) sentry
	test/demo.sh

build/release/bench/%: build/release/test/bench/%.o $(call objs,release,$(COMMON_SRC) $(GATEWAY_SRC))
	@mkdir -p $(dir $@)
	$(QP) LD $@
	$(Q)$(CC) $(RELEASE_CFLAGS) -o $@ $^ $(LDLIBS)

bench: deps-test sentry $(patsubst test/bench/%.c,build/release/bench/%,$(BENCH_SRC))
	test/bench/run

install: sentry
	install -D -m 0755 sentry $(DESTDIR)$(PREFIX)/bin/sentry
	install -d $(DESTDIR)$(PREFIX)/libexec/sentry
	ln -sf ../../bin/sentry $(DESTDIR)$(PREFIX)/libexec/sentry/pasta
	ln -sf ../../bin/sentry $(DESTDIR)$(PREFIX)/libexec/sentry/slirp4netns

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/sentry \
	      $(DESTDIR)$(PREFIX)/libexec/sentry/pasta \
	      $(DESTDIR)$(PREFIX)/libexec/sentry/slirp4netns
	-rmdir $(DESTDIR)$(PREFIX)/libexec/sentry

clean:
	rm -rf build sentry
