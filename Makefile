# Flask Mission Control: two commands.
#   make run    the Mission Control hub on http://127.0.0.1:8765 (PORT=... to change); its own
#               port, so a lesson's app can use 5000 or 8000 while the hub stays open
#   make test   ruff, mypy and the whole test suite
# Both create .venv on first use and keep it in step with uv.lock.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8765
SYNCED := $(VENV)/.synced

.PHONY: run test install lint browser nginx course-map clean

run: install
	$(BIN)/mission serve --port $(PORT)

test: install browser nginx
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

install: $(SYNCED)

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv

# --inexact keeps pip and uv themselves, which are not in the lock. Bytecode is compiled
# up front: a check starts Python several times, and PYTHONDONTWRITEBYTECODE (set on some
# machines) would otherwise make every start compile pytest and Flask again.
$(SYNCED): $(BIN)/uv pyproject.toml uv.lock
	UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv sync --frozen --inexact --compile-bytecode --python $(BIN)/python
	$(BIN)/python -m compileall -q src
	@touch $@

# The browser tests drive the system Chromium (never a downloaded one). As root with apt
# at hand it is installed here; otherwise those tests say how to install it.
browser:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing chromium (Debian package) for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

# d13's checkpoints run the learner's app behind the system nginx (Debian package), started
# by the checker as a process of its own. As root with apt at hand it is installed here.
nginx:
	@if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing nginx (Debian package) for the production-stack checks"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; \
	fi

# After adding or renaming a lesson: regenerate the course map in README.md.
course-map: install
	$(BIN)/python scripts/update_course_map.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
