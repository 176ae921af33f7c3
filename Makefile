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

LIBS     := lmdb inih libpcap libmnl libnftables libnftnl libnetfilter_queue libseccomp libcap-ng libmicrohttpd libpsl libcrypto
WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wcast-qual -Wformat=2 -Wvla -Werror
BASE_CFLAGS := -std=gnu11 -D_GNU_SOURCE -g $(WARN) \
            $(shell pkg-config --cflags $(LIBS) 2>/dev/null)
# Layers: common/ is built seeing only common/, so the compiler refuses it
# any reach into gateway/; gateway/ and the tests see both, and name a
# gateway header by its folder ("daemon/worker.h").
incs = $(if $(filter common/%,$(1)),-Icommon,-Icommon -Igateway)
LDLIBS   := $(shell pkg-config --libs $(LIBS) 2>/dev/null) -lpthread

RELEASE_CFLAGS := -O2 -fstack-protector-strong -D_FORTIFY_SOURCE=2
ASAN_CFLAGS    := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
                  -fno-sanitize-recover=undefined

COMMON_SRC  := $(sort $(wildcard common/*.c))
GATEWAY_SRC := $(sort $(filter-out gateway/cli/main.c,$(wildcard gateway/*/*.c)))
UNIT_SRC    := $(sort $(wildcard test/unit/test_*.c))
FUZZ_SRC    := $(sort $(wildcard test/fuzz/fuzz_*.c))
BENCH_SRC   := $(sort $(wildcard test/bench/*.c))
HEADERS     := $(wildcard common/*.h gateway/*/*.h test/unit/*.h)

# $(call objs,FLAVOUR,SOURCES)
objs = $(patsubst %.c,build/$(1)/%.o,$(2))

# where the helper links go; used by stage and install
LIBEXECDIR        := $(PREFIX)/libexec/sentry

.PHONY: all layers check stage unit demo bench fuzz fuzz-build install uninstall clean deps-test deps-demo deps-fuzz deps-analyze analyze
all: sentry

# rename, not copy: a running daemon keeps its binary busy
sentry: layers build/release/sentry
	$(Q)cp build/release/sentry $@.tmp && mv -f $@.tmp $@

# Layers (README, Architecture): common/ cannot see gateway/ at all (incs
# above), and gateway/ uses common/ through its public headers only: the
# internals' headers are named here, and their #error guards stop a file
# that includes one without opting in.
COMMON_INTERNALS := engine_internal|pstore_int|dns_internal|packet_int|config_int
layers:
	$(Q)! grep -rnE 'SENTRY_ENGINE_INTERNALS|#include "($(COMMON_INTERNALS))\.h"' \
		gateway/ --include=*.c --include=*.h | grep -v '^gateway/config/' || \
		{ echo "layers: gateway/ reaches into common/'s internals (above)" >&2; exit 1; }

build/release/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(QP) CC $<
	$(Q)$(CC) $(BASE_CFLAGS) $(call incs,$<) $(RELEASE_CFLAGS) $(CFLAGS) -c -o $@ $<

build/asan/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(QP) CC-ASAN $<
	$(Q)$(CC) $(BASE_CFLAGS) $(call incs,$<) $(ASAN_CFLAGS) $(CFLAGS) -c -o $@ $<

build/release/sentry: $(call objs,release,$(COMMON_SRC) $(GATEWAY_SRC) gateway/cli/main.c)
	$(QP) LD $@
	$(Q)$(CC) $(RELEASE_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

build/asan/sentry: $(call objs,asan,$(COMMON_SRC) $(GATEWAY_SRC) gateway/cli/main.c)
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

# make check also runs every fuzz harness briefly (CHECK_FUZZ_SECONDS each)
CHECK_FUZZ_SECONDS ?= 5
# Test what ships: `make install` into a staging tree (build/stage, the
# same files and links a real install writes under PREFIX), and the
# namespace, adversarial and Podman suites run that binary. The ASan+UBSan
# build runs the unit tests, the fuzzers and a sanitizer pass of the
# daemon suites (test/run's *-asan suites), whose reports fail the run.
STAGE        := $(CURDIR)/build/stage
CHECK_SENTRY ?= $(STAGE)$(PREFIX)/bin/sentry
CHECK_LINKS  ?= $(STAGE)$(LIBEXECDIR)

stage: sentry
	$(Q)$(MAKE) --no-print-directory install DESTDIR=$(STAGE) >/dev/null

check: deps-test
	$(MAKE) layers unit fuzz-build stage
	SENTRY=$(CHECK_SENTRY) SENTRY_LINK_DIR=$(CHECK_LINKS) \
	SENTRY_ASAN=$(CURDIR)/build/asan/sentry UNIT_DIR=$(CURDIR)/build/asan/test \
	FUZZ_DIR=$(CURDIR)/build/fuzz FUZZ_SECONDS=$(CHECK_FUZZ_SECONDS) test/run

demo: deps-demo
	$(MAKE) sentry
	test/demo.sh

build/release/bench/%: build/release/test/bench/%.o $(call objs,release,$(COMMON_SRC) $(GATEWAY_SRC))
	@mkdir -p $(dir $@)
	$(QP) LD $@
	$(Q)$(CC) $(RELEASE_CFLAGS) -o $@ $^ $(LDLIBS)

bench: deps-test sentry $(patsubst test/bench/%.c,build/release/bench/%,$(BENCH_SRC))
	test/bench/run

# libFuzzer harnesses: clang, ASan+UBSan, every object rebuilt for coverage
FUZZ_CC     ?= clang-14
FUZZ_CFLAGS := -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
               -fno-sanitize-recover=undefined
FUZZ_BINS   := $(patsubst test/fuzz/%.c,build/fuzz/bin/%,$(FUZZ_SRC))

build/fuzz/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(QP) CC-FUZZ $<
	$(Q)$(FUZZ_CC) $(BASE_CFLAGS) $(call incs,$<) -Wno-unknown-warning-option $(FUZZ_CFLAGS) -c -o $@ $<

build/fuzz/bin/%: build/fuzz/test/fuzz/%.o $(call objs,fuzz,$(COMMON_SRC) $(GATEWAY_SRC))
	@mkdir -p $(dir $@)
	$(QP) LD $@
	$(Q)$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LDLIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: deps-fuzz
	$(MAKE) fuzz-build
	FUZZ_DIR=$(CURDIR)/build/fuzz FUZZ_SECONDS=$(FUZZ_SECONDS) test/run fuzz

deps-fuzz:
	@contrib/install-deps.sh fuzz

# The links are relative, so a DESTDIR tree can be moved. The drop-in goes
# where Podman reads drop-ins whatever PREFIX is (Podman's path is fixed),
# with the libexec directory substituted.
CONTAINERS_CONF_D ?= /etc/containers/containers.conf.d

# Static analysis: cppcheck and clang-tidy, clean, with every suppression's
# reason written in contrib/analyze/
ANALYZE_SRC := $(COMMON_SRC) $(GATEWAY_SRC) gateway/cli/main.c

analyze: deps-analyze
	$(QP) CPPCHECK common gateway
	$(Q)cppcheck --enable=warning,style,performance,portability --std=c11 \
		--error-exitcode=1 --inline-suppr --quiet -D_GNU_SOURCE -Icommon -Igateway \
		--suppressions-list=contrib/analyze/cppcheck.supp $(ANALYZE_SRC)
	$(QP) CLANG-TIDY common gateway
	$(Q)clang-tidy-14 --quiet --config-file=contrib/analyze/clang-tidy.yaml \
		$(ANALYZE_SRC) -- -std=gnu11 -D_GNU_SOURCE -Icommon -Igateway \
		$(shell pkg-config --cflags $(LIBS) 2>/dev/null)

deps-analyze:
	@contrib/install-deps.sh analyze

install: sentry
	install -D -m 0755 sentry $(DESTDIR)$(PREFIX)/bin/sentry
	install -d $(DESTDIR)$(LIBEXECDIR)
	ln -sf ../../bin/sentry $(DESTDIR)$(LIBEXECDIR)/pasta
	ln -sf ../../bin/sentry $(DESTDIR)$(LIBEXECDIR)/slirp4netns
	install -d $(DESTDIR)$(CONTAINERS_CONF_D)
	sed 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' contrib/containers.conf.d/50-sentry.conf.in \
	    >$(DESTDIR)$(CONTAINERS_CONF_D)/50-sentry.conf.tmp
	chmod 0644 $(DESTDIR)$(CONTAINERS_CONF_D)/50-sentry.conf.tmp
	mv -f $(DESTDIR)$(CONTAINERS_CONF_D)/50-sentry.conf.tmp \
	    $(DESTDIR)$(CONTAINERS_CONF_D)/50-sentry.conf

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/sentry \
	      $(DESTDIR)$(LIBEXECDIR)/pasta \
	      $(DESTDIR)$(LIBEXECDIR)/slirp4netns \
	      $(DESTDIR)$(CONTAINERS_CONF_D)/50-sentry.conf
	@# the directories install made, where nothing else is left in them
	-rmdir --ignore-fail-on-non-empty $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(PREFIX)/libexec \
	      $(DESTDIR)$(CONTAINERS_CONF_D) $(DESTDIR)$(dir $(CONTAINERS_CONF_D))

clean:
	rm -rf build sentry
