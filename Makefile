# The two commands of the README:
#   make demo   - set up the project's environment and run site.yml (workstation loop)
#   make test   - set up the project's environment and run the whole test suite
# Both do their own set-up (scripts/setup-env.sh is a no-op when nothing changed).

VENV ?= $(CURDIR)/.venv
export PATH := $(VENV)/bin:$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg

.PHONY: demo test test-quick setup stop lint sanity unit integration molecule build-smoke clean

demo: setup
	ansible-playbook site.yml $(ARGS)

stop: setup
	ansible-playbook playbooks/local-stop.yml

test: setup
	scripts/test.sh

# The quick subset: unit tests only (seconds).
test-quick: setup
	pytest -m unit -q -n 2

setup:
	@scripts/setup-system.sh
	@scripts/setup-env.sh

lint: setup
	scripts/test.sh lint

sanity: setup
	scripts/test.sh sanity

unit: setup
	scripts/test.sh unit

integration: setup
	scripts/test.sh integration

molecule: setup
	scripts/test.sh molecule

build-smoke: setup
	scripts/test.sh build

clean:
	rm -rf .build .cache/build tests/output
