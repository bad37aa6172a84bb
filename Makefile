# The front door. `make demo` and `make test` do all the set-up on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PY      := .venv/bin/python
SS_PY   := .venv-superset/bin/python
# The front door: one command, a subcommand per task (python -m cli --help).
HRSS    := $(PY) -m cli
# Two synthetic drops, deliberately separate (README "The demo drop and the test drop"):
# - the demo drop (`make demo`): large enough that every chart of every dashboard has data for every district
#   in every month, and still built in ≤ 15 min on 2 cores (bench/results/demo.md);
# - the test drop (`make test`, and `make generate` / `make build` by hand): small, so the whole suite stays within
#   its time limit. Scale 1.0 ≈ Beijing. Both span a year boundary (2024-11 … 2025-01) so year-level answers
#   (distinct counts per year, year drill-downs) have two years.
# START / MONTHS / SCALE / SEED on the command line override either (`make demo SCALE=0.001` is a quick demo).
DEMO_START  ?= 202411
DEMO_MONTHS ?= 3
DEMO_SCALE  ?= 0.02
TEST_START  ?= 202411
TEST_MONTHS ?= 3
TEST_SCALE  ?= 0.001
START   ?= $(TEST_START)
MONTHS  ?= $(TEST_MONTHS)
SCALE   ?= $(TEST_SCALE)
SEED    ?= 42
MONTH   ?=
FORCE   ?=
# Daily (T+1) increments the demo writes and applies: the first DAILY_DAYS days of the latest month.
DAILY_DAYS ?= 5

.PHONY: roles help lint lock setup browser-deps db generate daily-generate daily load build signoff signoff-demo fixed-reports bulletin publish rollback raw-archive raw-restore status backup restore-test docs superset cube portal services history-report demo test unit-test bench bench-warehouse bench-cube bench-daily bench-topics-daily psql stop clean-data

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 18

# Installs exactly the versions CI tested (requirements*.lock), then checks the human-edited ranges
# (requirements*.txt) are met. After editing a requirements*.txt: `make lock` refreshes both lock files.
.venv/.installed: requirements.txt requirements.lock
	@echo "[setup] main virtual environment (.venv)"
	@test -x .venv/bin/python || python3 -m venv .venv
	@.venv/bin/pip install -q --disable-pip-version-check --upgrade pip
	@.venv/bin/pip install -q --disable-pip-version-check -r requirements.lock
	@.venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
	@touch $@

.venv-superset/.installed: requirements-superset.txt requirements-superset.lock
	@echo "[setup] Superset virtual environment (.venv-superset; takes a few minutes the first time)"
	@test -x .venv-superset/bin/python || python3 -m venv .venv-superset
	@.venv-superset/bin/pip install -q --disable-pip-version-check --upgrade pip
	@.venv-superset/bin/pip install -q --disable-pip-version-check -r requirements-superset.lock
	@.venv-superset/bin/pip install -q --disable-pip-version-check -r requirements-superset.txt
	@touch $@

setup: .venv/.installed .venv-superset/.installed  ## install both virtual environments from the lock files (only when they changed)

lock:  ## after editing requirements*.txt: install the ranges, then write the exact versions to requirements*.lock
	@.venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
	@.venv-superset/bin/pip install -q --disable-pip-version-check -r requirements-superset.txt
	@(echo "# Exact versions of .venv, written by \`make lock\` from requirements.txt; \`make setup\` installs these."; \
	  .venv/bin/pip freeze --exclude-editable --disable-pip-version-check | LC_ALL=C sort -f) > requirements.lock
	@(echo "# Exact versions of .venv-superset, written by \`make lock\` from requirements-superset.txt; \`make setup\` installs these."; \
	  .venv-superset/bin/pip freeze --exclude-editable --disable-pip-version-check | LC_ALL=C sort -f) > requirements-superset.lock
	@echo "[lock] requirements.lock, requirements-superset.lock written"

browser-deps:  ## Debian's Chromium + CJK fonts for the browser tests (needs root/apt on a fresh machine)
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "noto sans cjk"; then \
	  echo "[setup] installing chromium, chromium-driver, fonts-noto-cjk from Debian"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null; \
	fi

db: .venv/.installed  ## start the embedded PostgreSQL in var/pgdata (or use WAREHOUSE_URL), then set up the database roles (pipeline/roles.py)
	@$(HRSS) db start

generate: db  ## write the synthetic drop: START=YYYYMM MONTHS=n SCALE=x SEED=n (default: the small test drop; make demo uses DEMO_SCALE)
	@$(HRSS) generate --start $(START) --months $(MONTHS) --scale $(SCALE) --seed $(SEED)

load: db  ## validate and load MONTH=YYYYMM (default: every month in the drop zone); FORCE=1 loads a month with missing files
	@$(HRSS) load $(if $(MONTH),--month $(MONTH),--all) $(if $(FORCE),--force)

build: db  ## load + incremental dbt build (staging → ODS → DW → marts, balance tests); MONTH=YYYYMM, FULL_REFRESH=1, TEST_ALL=1, REBUILD=model[,model] (rebuilt whole first: their columns changed with the code) optional
	@$(HRSS) build $(if $(MONTH),--month $(MONTH)) $(if $(FORCE),--force) $(if $(FULL_REFRESH),--full-refresh) $(if $(TEST_ALL),--test-all) $(if $(REBUILD),--rebuild $(REBUILD))

LATEST   = $(shell ls -d var/exchange/[0-9][0-9][0-9][0-9][0-9][0-9] 2>/dev/null | tail -1 | xargs -r basename)

signoff: db  ## 审核确认: the current build's modules and who confirmed them (exit 4 while any is missing or rejected); SHEET=1 prints the sheet (XLSX + PDF)
	@$(HRSS) signoff $(if $(SHEET),--sheet,--status)

signoff-demo: db  ## demo/test pipelines only: confirm every module of the current build as the demo department accounts (recorded as 演示)
	@$(HRSS) signoff --all-demo

fixed-reports: db  ## 固定报表 XLSX + PDF of MONTH=YYYYMM (default latest) again: RELEASE=official (default) | review
	@$(HRSS) fixed-reports --month $(or $(MONTH),$(LATEST)) --release $(or $(RELEASE),official)

bulletin: db  ## 监督快报 (text + XLSX + PDF) of MONTH=YYYYMM (default latest) again, from the official release
	@$(HRSS) bulletin --month $(or $(MONTH),$(LATEST))

publish: db  ## promote the review release to official in one atomic step once every department signed off: MONTH=YYYYMM (default latest); FORCE=1 overrides a failed build or a missing sign-off (recorded)
	@$(HRSS) publish --month $(or $(MONTH),$(LATEST)) $(if $(FORCE),--force)
	@$(HRSS) services feeds --month $(or $(MONTH),$(LATEST)) || echo "[feeds] not delivered: see svc.feed_delivery (make services sets up the platform)"

rollback: db  ## restore the previous official release in one step
	@$(HRSS) rollback

raw-archive: db  ## archive raw months older than the newest KEEP (default 13) of the interfaces only incremental models read (var/archive/raw/); PLAN=1 shows what it would do
	@$(HRSS) raw $(if $(PLAN),plan,archive) $(if $(KEEP),--keep $(KEEP))

raw-restore: db  ## re-attach the archived raw months of MONTH=YYYYMM (a full refresh needs every month back)
	@$(HRSS) raw restore --month $(MONTH)

status: db  ## per month: files arrived / missing, loaded, built, checks, published, backed up
	@$(HRSS) status

backup: db  ## full (first of the period) or incremental backup + sources + Superset metadata, checksummed: MONTH=YYYYMM
	@$(HRSS) backup --month $(or $(MONTH),$(LATEST))

restore-test: db  ## restore the latest backup chain into a scratch cluster and verify it
	@$(HRSS) restore-test

docs: db  ## dbt docs (catalog of every model and column) into warehouse/target
	@$(HRSS) dbt docs generate --no-use-colors

superset: .venv-superset/.installed db  ## set up Superset, import the dashboards, serve on 127.0.0.1:8088
	@$(SS_PY) superset/manage.py setup
	@$(SS_PY) superset/manage.py import
	@$(SS_PY) superset/manage.py start
	@if [ "$${SUPERSET_WARM_CACHE:-1}" != 0 ]; then $(SS_PY) superset/manage.py warm-cache; fi

cube: db  ## serve the cube API on 127.0.0.1:8089
	@$(HRSS) cube start

services: db  ## serve the data services (数据接口服务, services/catalogue/) on 127.0.0.1:8091; demo keys in var/secrets/services_keys.json
	@$(HRSS) services start

portal: db  ## serve the portal (history database, 门户) on 127.0.0.1:8090; loads the catalogue and published figures on first start
	@$(HRSS) portal start

history-report: db  ## the 监测月报 of MONTH=YYYYMM (default latest) again, from the data known now (ASOF=… to reproduce an archived one)
	@$(HRSS) history report --month $(or $(MONTH),$(LATEST)) $(if $(ASOF),--asof $(ASOF))

daily-generate: db  ## synthetic 按日 increments of the latest month from its roll-ups (MONTH=YYYYMM, DAILY_DAYS=n) into var/exchange/daily/
	@$(HRSS) daily-generate --month $(or $(MONTH),$(LATEST)) --days $(DAILY_DAYS)

daily: db  ## apply every ready 按日(T+1) increment in sequence as wh_loader, refresh the topic libraries they feed (dbt, as wh_dbt), then show the state (exit 4: a day waits — gap, no .ok, held; 5: refresh failed)
	@$(HRSS) daily; rc=$$?; $(HRSS) daily --status; exit $$rc

demo: START = $(DEMO_START)
demo: MONTHS = $(DEMO_MONTHS)
demo: SCALE = $(DEMO_SCALE)
demo: setup db generate daily-generate daily build signoff-demo publish superset cube portal services  ## the whole thing: data, build, dashboards and cube on 127.0.0.1
	@echo ""
	@echo "=============================================================="
	@echo " 北京市人力社保统计数据仓库 — demo is up"
	@echo "  Data                : synthetic drop, $(MONTHS) months from $(START) at scale $(SCALE) (1.0 ≈ Beijing; DEMO_SCALE=… to change)"
	@echo "  Superset dashboards : http://127.0.0.1:$${SUPERSET_PORT:-8088}/"
	@echo "    login             : admin — password in var/secrets/superset_admin_password (owner-only file, never printed)"
	@echo "    demo users        : leader, analyst, reviewer, district_110105, district_110108 — passwords in var/secrets/superset_users.json"
	@echo "  Cube API (OpenAPI)  : http://127.0.0.1:$${CUBE_PORT:-8089}/docs"
	@echo "  Portal (历史数据库) : http://127.0.0.1:$${PORTAL_PORT:-8090}/  — users/passwords in var/secrets/portal_users.json"
	@echo "    监测月报          : http://127.0.0.1:$${PORTAL_PORT:-8090}/reports (HTML / PDF / XLSX)"
	@echo "    前言 (landing)    : http://127.0.0.1:$${PORTAL_PORT:-8090}/intro — 固定报表 /fixed-reports, 审核确认 /signoff, 监督快报 /bulletins"
	@echo "    审核确认          : signed by the demo department accounts (make signoff-demo); dept_<处室> users sign in /signoff"
	@echo "    名单比对 / 自助分析 : http://127.0.0.1:$${PORTAL_PORT:-8090}/listmatch and /analyses"
	@echo "  Data services (API) : http://127.0.0.1:$${SERVICES_PORT:-8091}/docs  — demo keys in var/secrets/services_keys.json (never printed)"
	@echo "  按日增量 (T+1)      : make daily (python -m cli daily --status) — state in raw.<interface>_daily, reports in var/reports/daily/; then the topic libraries the day changed are rebuilt (run log: daily_refresh)"
	@echo "  PostgreSQL          : $$($(HRSS) db url | sed 's/:[^:@]*@/:***@/')  (make psql)"
	@echo "  Stop everything     : make stop"
	@echo "=============================================================="

lint: .venv/.installed  ## ruff (pyproject.toml), import-linter layers (.importlinter), sqlfluff (warehouse/.sqlfluff)
	@echo "[lint] ruff" && $(PY) -m ruff check .
	@echo "[lint] import-linter" && .venv/bin/lint-imports
	@echo "[lint] sqlfluff (dbt models, snapshots, macros)" && cd warehouse && ../.venv/bin/sqlfluff lint models snapshots macros --processes 2

test: START = $(TEST_START)
test: MONTHS = $(TEST_MONTHS)
test: SCALE = $(TEST_SCALE)
# the browser tests empty Superset's result cache and fill it themselves: no warm-up after publish / make superset
test: export SUPERSET_WARM_CACHE = 0
# Two workers: the tests of the shared warehouse and its services in one, in file order; the modules that build a
# warehouse of their own (marked own_build, dbt-bound) beside them (tests/conftest.py). TEST_WORKERS=0: one process.
TEST_WORKERS ?= 2
test: lint setup browser-deps db generate build signoff-demo publish superset cube portal services  ## make lint, then the whole test suite: unit, integration (real PostgreSQL), browser (real Superset)
	@$(PY) -m pytest -n $(TEST_WORKERS)

unit-test: .venv/.installed  ## fast unit tests only
	@$(PY) -m pytest tests/unit -q

bench: db  ## benchmarks at scale 0.1, results in bench/results/ (generator, loader; the warehouse and cube: bench-warehouse, bench-cube)
	@$(PY) -m bench.generator --scale 0.1
	@$(PY) -m bench.loader --scale 0.1 --interface ent_pension_person

bench-daily: db  ## a day's increment of every 按日 source at scale 0.1 (own database bench_daily; generating the two roll-ups takes minutes), bench/results/daily.md
	@$(PY) -m bench.daily --scale 0.1 --days 3

bench-topics-daily: db  ## the topic libraries' refresh after each of 3 days (own database bench_topics_daily; BENCH_SCALE=0.1 (default) is the target, needs a topic build at that scale), bench/results/topics_daily.md + daily.md
	@$(PY) -m bench.topics_daily --scale $(or $(BENCH_SCALE),0.1) --days 3

bench-warehouse: db  ## 12 + 1 months at scale 0.1 into its own database bench_warehouse (about 1 h and 50 GB of disk; kept for bench-cube)
	@$(PY) -m bench.warehouse --scale 0.1 --months 12 --start 202401 --keep

bench-cube: db  ## cube latency (cold / cached p50, p95) on the database bench-warehouse kept, or on WAREHOUSE_URL
	@WAREHOUSE_URL="$${WAREHOUSE_URL:-$$($(HRSS) db url | sed 's#/[^/]*$$#/bench_warehouse#')}" $(PY) -m bench.cube --repeat 10

roles: db  ## list the database login roles and what matters about them (superuser, owner, limits)
	@$(HRSS) roles check

psql: db  ## a psql shell on the warehouse
	@$(HRSS) db psql

stop:  ## stop Superset, the cube service, the portal, the data services and the embedded PostgreSQL
	-@test -x $(SS_PY) && $(SS_PY) superset/manage.py stop || true
	-@test -x $(PY) && $(HRSS) services stop || true
	-@test -x $(PY) && $(HRSS) portal stop || true
	-@test -x $(PY) && $(HRSS) cube stop || true
	-@test -x $(PY) && $(HRSS) db stop || true

clean-data: stop  ## remove generated data, database and reports (keeps the virtual environments)
	-@test -x $(PY) && $(PY) -m runtime.pg remove || true
	rm -rf var/exchange var/pgdata var/rejects var/reports var/dbt var/superset var/cube var/backups var/portal var/history var/services var/outbox
