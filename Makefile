# The two commands of the README: `make demo` and `make test`. Both install what is missing first.
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)

.PHONY: deps build demo test bench clean

deps:
	@scripts/install-deps

build: deps
	swift build -c release --product docket

demo: build
	rm -rf demo
	.build/release/docket demo --root demo

test: deps
	swift build --build-tests
	swift test --skip-build

bench: deps
	scripts/bench

clean:
	rm -rf .build demo
