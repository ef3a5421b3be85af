# The two commands the README leads with:
#   make run    build everything and serve the task pane at http://localhost:3000
#   make test   run every test (what .ci/run runs)
.PHONY: run test build wasm clean

run:
	scripts/run.sh

test:
	scripts/test.sh

build:
	scripts/build.sh

wasm:
	scripts/build-wasm.sh

clean:
	cargo clean
	rm -rf addin/dist addin/src/engine/pkg tests/output
