# The two commands of the README: `make demo` and `make test`. Both install what is missing first.
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)

.PHONY: deps build demo test bench clean install

deps:
	@scripts/install-deps

build: deps
	swift build -c release --product docket
	swift build -c release --product mailing-serial-check
	install -D -m 755 "$$(swift build -c release --show-bin-path)/mailing-serial-check" Plugins/mailing-serial-check/bin/mailing-serial-check

# Installs docket into $(PREFIX)/bin and the standard workflows, templates and plugins it
# opens cases under, with the PDF tools and the seal's signer (their Python environments
# included), into $(PREFIX)/share/docket, where the binary finds them.
PREFIX ?= /usr/local
install: build
	install -D -m 755 .build/release/docket "$(DESTDIR)$(PREFIX)/bin/docket"
	rm -rf "$(DESTDIR)$(PREFIX)/share/docket"
	mkdir -p "$(DESTDIR)$(PREFIX)/share/docket"
	cp -r workflows Plugins libexec "$(DESTDIR)$(PREFIX)/share/docket/"

demo: build
	rm -rf demo
	.build/release/docket demo --root demo

test: deps
	swift build --build-tests
	install -D -m 755 "$$(swift build --show-bin-path)/mailing-serial-check" Plugins/mailing-serial-check/bin/mailing-serial-check
	@# The PostgreSQL index tests run against a throwaway cluster (scripts/start-postgres) when the
	@# server programs are installed (or $$DOCKET_TEST_POSTGRES names a server); stopped afterwards.
	@set -e; url="$${DOCKET_TEST_POSTGRES:-}"; \
	if [ -z "$$url" ] && scripts/start-postgres check; then \
	  scripts/start-postgres status >/dev/null || trap 'scripts/start-postgres stop' EXIT; \
	  url="$$(scripts/start-postgres)"; \
	fi; \
	DOCKET_TEST_POSTGRES="$$url" swift test --skip-build --disable-swift-testing

bench: deps
	scripts/bench

clean:
	rm -rf .build demo
